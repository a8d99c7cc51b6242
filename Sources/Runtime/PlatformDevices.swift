import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// The monotonic clock of any platform.
public struct PlatformMonotonicClock<P: Platform>: MonotonicClock {
    let platform: P
    /// A clock reading `platform`'s monotonic time.
    public init(platform: P) { self.platform = platform }
    public func now() -> MonotonicInstant { platform.monotonicNow() }
}

/// The run loop's time of any platform (``Platform/loopTime()``): read once per turn of the
/// loop where reading costs a system call. For timeouts of services, not for measuring.
public struct PlatformLoopClock<P: Platform>: MonotonicClock {
    let platform: P
    /// A clock reading `platform`'s loop time.
    public init(platform: P) { self.platform = platform }
    public func now() -> MonotonicInstant { platform.loopTime() }
}

/// The wall clock of any platform.
public struct PlatformWallClock<P: Platform>: WallClock {
    let platform: P
    /// A clock reading `platform`'s wall-clock time.
    public init(platform: P) { self.platform = platform }
    public func now() -> WallClockTime { platform.wallClockNow() }
}

/// Sleeping on any platform: a timer in the run loop, so the unikernel idles in `yield`.
public struct PlatformTime<P: Platform>: TimeDevice {
    let loop: RunLoop<P>
    /// Sleeps on `loop`'s timers.
    public init(loop: RunLoop<P>) { self.loop = loop }
    public func sleep(for duration: Duration) async {
        await loop.sleep(until: loop.platform.monotonicNow() + duration)
    }
}

/// The console of any platform.
public struct PlatformConsole<P: Platform>: ConsoleDevice {
    let platform: P
    /// A console writing to `platform`'s console.
    public init(platform: P) { self.platform = platform }
    public func write(_ text: String) { platform.writeConsoleBuffered(text) }
}
