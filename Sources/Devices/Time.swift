/// A point on the monotonic clock: nanoseconds since an arbitrary origin (usually boot).
///
/// Monotonic instants never go backwards and are unaffected by changes to the wall clock,
/// which makes them the right tool for timeouts and measuring elapsed time.
public struct MonotonicInstant: Comparable, Hashable, Sendable {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: UInt64

    /// Creates an instant `nanoseconds` after the clock's origin.
    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The instant `duration` later; saturates instead of overflowing.
    public static func + (lhs: Self, rhs: Duration) -> Self {
        let (sum, overflow) = lhs.nanoseconds.addingReportingOverflow(rhs.nanosecondsClamped)
        return Self(nanoseconds: overflow ? .max : sum)
    }

    /// The time elapsed from `rhs` to `lhs`, negative when `lhs` is earlier.
    public static func - (lhs: Self, rhs: Self) -> Duration {
        lhs >= rhs
            ? .nanoseconds(Int64(clamping: lhs.nanoseconds - rhs.nanoseconds))
            : .zero - .nanoseconds(Int64(clamping: rhs.nanoseconds - lhs.nanoseconds))
    }
}

/// A point in civil time: seconds and nanoseconds since 1970-01-01 00:00:00 UTC.
public struct WallClockTime: Comparable, Hashable, Sendable {
    /// Whole seconds since the Unix epoch (negative before 1970).
    public var secondsSinceEpoch: Int64
    /// The fraction of the second, in nanoseconds (0 ..< 1_000_000_000).
    public var nanoseconds: UInt32

    /// Creates a time from seconds since the Unix epoch and a nanosecond fraction.
    public init(secondsSinceEpoch: Int64, nanoseconds: UInt32 = 0) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.secondsSinceEpoch, lhs.nanoseconds) < (rhs.secondsSinceEpoch, rhs.nanoseconds)
    }
}

/// A clock that only moves forward (MirageOS's `Mirage_clock.MCLOCK`).
public protocol MonotonicClock {
    /// The current instant.
    func now() -> MonotonicInstant
}

/// The wall clock, which can jump when the host adjusts it (MirageOS's `Mirage_clock.PCLOCK`).
public protocol WallClock {
    /// The current civil time, in UTC.
    func now() -> WallClockTime
}

/// Suspends tasks for a while (MirageOS's `Mirage_time.S`).
///
/// ```swift
/// struct Hello<Time: TimeDevice> {
///     let time: Time
///     func start() async {
///         await time.sleep(for: .seconds(1))
///     }
/// }
/// ```
public protocol TimeDevice {
    /// Suspends the calling task for at least `duration`, letting other tasks run.
    /// A zero or negative duration still yields once to other tasks.
    func sleep(for duration: Duration) async
}

extension Duration {
    /// The duration in whole nanoseconds: 0 for negative durations, `UInt64.max` if too long.
    public var nanosecondsClamped: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (sum, overflow2) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow2 ? .max : sum
    }
}
