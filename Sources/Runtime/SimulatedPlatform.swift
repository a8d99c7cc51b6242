import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A deterministic platform for tests: virtual time that jumps straight to the next deadline,
/// a console captured in memory, and handles that tests mark ready by hand.
///
/// ```swift
/// let platform = SimulatedPlatform()
/// let loop = RunLoop(platform: platform)
/// let status = try loop.run {
///     await PlatformTime(loop: loop).sleep(for: .seconds(60))   // returns at once, in real time
///     return 0
/// }
/// // platform.monotonicNow() is now 60 s later
/// ```
public final class SimulatedPlatform: Platform {
    public let arguments: [String]
    /// Everything written to the console.
    public private(set) var console = ""
    /// The wall-clock time at monotonic zero.
    public var wallClockOrigin: WallClockTime
    private var now = MonotonicInstant(nanoseconds: 0)
    private var readyHandles: [IOInterest] = []
    private var exitHandler: (Int32) -> Void = { _ in }

    /// A platform whose clocks start at monotonic zero and `wallClockOrigin`.
    public init(arguments: [String] = [], wallClockOrigin: WallClockTime = WallClockTime(secondsSinceEpoch: 1_700_000_000)) {
        self.arguments = arguments
        self.wallClockOrigin = wallClockOrigin
    }

    public func monotonicNow() -> MonotonicInstant { now }

    public func wallClockNow() -> WallClockTime {
        let total = UInt64(wallClockOrigin.nanoseconds) + now.nanoseconds
        return WallClockTime(secondsSinceEpoch: wallClockOrigin.secondsSinceEpoch + Int64(total / 1_000_000_000),
                             nanoseconds: UInt32(total % 1_000_000_000))
    }

    public func writeConsole(_ bytes: UnsafeRawBufferPointer) {
        console += String(decoding: bytes, as: UTF8.self)
    }

    /// Marks `interest` ready: the next `yield` reports it.
    public func markReady(_ interest: IOInterest) { readyHandles.append(interest) }

    /// Moves virtual time forward.
    public func advance(by duration: Duration) { now = now + duration }

    public func yield(until deadline: MonotonicInstant?, interests: [IOInterest]) -> [IOInterest] {
        let ready = readyHandles.filter { interests.contains($0) }
        if !ready.isEmpty {
            readyHandles.removeAll { ready.contains($0) }
            return ready
        }
        if let deadline, deadline > now { now = deadline }
        return []
    }

    /// Reproducible bytes, NOT random: simulations replay exactly.
    public func fillEntropy(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        for index in 0..<buffer.count {
            entropyState = entropyState &* 6364136223846793005 &+ 1442695040888963407
            buffer[index] = UInt8(truncatingIfNeeded: entropyState >> 56)
        }
        return true
    }
    private var entropyState: UInt64 = 0x5eed

    public func exit(status: Int32) -> Never {
        fatalError("SimulatedPlatform.exit(\(status)): run the loop with RunLoop.run instead of boot")
    }
}
