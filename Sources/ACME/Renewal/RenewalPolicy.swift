import SwiftletDevices

/// When to renew a certificate and how long to wait after a failed attempt: pure arithmetic on
/// times, so it is tested on simulated time.
///
/// A certificate is renewed at `renewalFraction` of its lifetime (two thirds: day 60 of Let's
/// Encrypt's 90). After a failure the next attempt waits `minimumBackoff` doubled per
/// consecutive failure, at most `maximumBackoff`, and while the current certificate is still
/// valid at most half its remaining lifetime, so retries get more frequent as expiry
/// nears, but never more often than `minimumBackoff`. No schedule ever asks for an attempt
/// sooner than that after a failure, so a unikernel that keeps failing does not
/// crash-loop into the CA's rate limits (Let's Encrypt: 5 certificates per name a week).
public struct RenewalPolicy: Sendable, Equatable {
    /// The fraction of the lifetime after which to renew, as numerator and denominator.
    public var renewalFraction: (numerator: Int64, denominator: Int64) = (2, 3)
    /// The wait after the first failure.
    public var minimumBackoff: Duration = .seconds(60)
    /// The longest wait after failures.
    public var maximumBackoff: Duration = .seconds(24 * 3600)

    public init() {}

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.renewalFraction == rhs.renewalFraction && lhs.minimumBackoff == rhs.minimumBackoff
            && lhs.maximumBackoff == rhs.maximumBackoff
    }

    /// When a certificate valid from `notBefore` to `notAfter` is due for renewal (whole seconds).
    public func renewalTime(notBefore: WallClockTime, notAfter: WallClockTime) -> WallClockTime {
        let lifetime = max(saturating(notAfter.secondsSinceEpoch, minus: notBefore.secondsSinceEpoch), 0)
        let denominator = max(renewalFraction.denominator, 1)
        let numerator = min(max(renewalFraction.numerator, 0), denominator)
        // lifetime * n / d without overflow for any real lifetime: split into whole and rest.
        let elapsed = lifetime / denominator * numerator + lifetime % denominator * numerator / denominator
        return WallClockTime(secondsSinceEpoch: saturating(notBefore.secondsSinceEpoch, plus: elapsed))
    }

    /// The wait after `failures` consecutive failed attempts (1 or more), before the cap for
    /// a still valid certificate.
    public func backoff(afterFailures failures: Int) -> Duration {
        let minimum = seconds(minimumBackoff, atLeast: 1)
        let maximum = max(seconds(maximumBackoff, atLeast: 1), minimum)
        var wait = minimum
        for _ in 1..<max(failures, 1) {
            let (doubled, overflow) = wait.multipliedReportingOverflow(by: 2)
            if overflow || doubled >= maximum { return .seconds(maximum) }
            wait = doubled
        }
        return .seconds(min(wait, maximum))
    }

    /// The time of the next attempt after the `failures`th consecutive failure at `now`, given
    /// the expiry of the certificate being served (if any).
    public func nextAttempt(afterFailures failures: Int, at now: WallClockTime, currentExpiry: WallClockTime?) -> WallClockTime {
        var wait = seconds(backoff(afterFailures: failures), atLeast: 1)
        if let currentExpiry, currentExpiry.secondsSinceEpoch > now.secondsSinceEpoch {
            let halfRemaining = saturating(currentExpiry.secondsSinceEpoch, minus: now.secondsSinceEpoch) / 2
            wait = max(min(wait, halfRemaining), seconds(minimumBackoff, atLeast: 1))
        }
        return WallClockTime(secondsSinceEpoch: saturating(now.secondsSinceEpoch, plus: wait))
    }

    private func seconds(_ duration: Duration, atLeast floor: Int64) -> Int64 {
        max(duration.components.seconds, floor)
    }
}

/// The renewal state of one certificate: what `RenewalPolicy` says to do next, kept across
/// attempts.
///
/// ```swift
/// var schedule = RenewalSchedule(policy: RenewalPolicy())
/// // loop: wait until schedule.nextAttempt, then try; on success:
/// schedule.installed(notBefore: start, notAfter: end)
/// // on failure:
/// schedule.failed(at: clock.now())
/// ```
public struct RenewalSchedule: Sendable, Equatable {
    public let policy: RenewalPolicy
    /// The next time to try to obtain a certificate.
    public private(set) var nextAttempt: WallClockTime
    /// Failed attempts since the last success.
    public private(set) var consecutiveFailures = 0
    /// The expiry of the certificate in use, if one is.
    public private(set) var currentExpiry: WallClockTime?

    /// A schedule with no certificate yet: the first attempt is due at once.
    public init(policy: RenewalPolicy, now: WallClockTime = WallClockTime(secondsSinceEpoch: 0)) {
        self.policy = policy
        nextAttempt = now
    }

    /// Whether an attempt is due at `now`.
    public func isDue(at now: WallClockTime) -> Bool { now >= nextAttempt }

    /// How long from `now` until the next attempt (zero if due).
    public func delay(from now: WallClockTime) -> Duration {
        let seconds = saturating(nextAttempt.secondsSinceEpoch, minus: now.secondsSinceEpoch)
        return seconds > 0 ? .seconds(seconds) : .zero
    }

    /// A certificate valid from `notBefore` to `notAfter` was obtained (or found) and is in use.
    public mutating func installed(notBefore: WallClockTime, notAfter: WallClockTime) {
        consecutiveFailures = 0
        currentExpiry = notAfter
        nextAttempt = policy.renewalTime(notBefore: notBefore, notAfter: notAfter)
    }

    /// An attempt at `now` failed.
    public mutating func failed(at now: WallClockTime) {
        consecutiveFailures += 1
        nextAttempt = policy.nextAttempt(afterFailures: consecutiveFailures, at: now, currentExpiry: currentExpiry)
    }
}

/// `a + b`, or the nearest bound where it would overflow (times come from certificates and clocks).
func saturating(_ a: Int64, plus b: Int64) -> Int64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? .max : .min) : sum
}

/// `a - b`, or the nearest bound where it would overflow.
func saturating(_ a: Int64, minus b: Int64) -> Int64 {
    let (difference, overflow) = a.subtractingReportingOverflow(b)
    return overflow ? (b < 0 ? .max : .min) : difference
}
