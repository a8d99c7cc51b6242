import SwiftletACME
import SwiftletDevices
import Testing

/// The renewal schedule on simulated time: a clock that is only a number.
@Suite struct RenewalPolicyTests {
    let day: Int64 = 86_400
    func at(_ seconds: Int64) -> WallClockTime { WallClockTime(secondsSinceEpoch: seconds) }

    @Test func renewsAtTwoThirdsOfTheLifetime() {
        let policy = RenewalPolicy()
        let start: Int64 = 1_790_000_000
        // Let's Encrypt's 90 days: day 60.
        #expect(policy.renewalTime(notBefore: at(start), notAfter: at(start + 90 * day)) == at(start + 60 * day))
        // Pebble with certificateValidityPeriod 300: after 200 s.
        #expect(policy.renewalTime(notBefore: at(start), notAfter: at(start + 300)) == at(start + 200))
        // A lifetime that does not divide by 3 rounds down; an inverted one renews at once.
        #expect(policy.renewalTime(notBefore: at(start), notAfter: at(start + 100)) == at(start + 66))
        #expect(policy.renewalTime(notBefore: at(start), notAfter: at(start - 5)) == at(start))
        // Near the ends of the range nothing overflows.
        #expect(policy.renewalTime(notBefore: at(0), notAfter: at(Int64.max)) == at(Int64.max / 3 * 2))
    }

    @Test func backsOffExponentiallyWithinBounds() {
        let policy = RenewalPolicy()
        let waits = (1...14).map { policy.backoff(afterFailures: $0) }
        #expect(waits.prefix(4) == [.seconds(60), .seconds(120), .seconds(240), .seconds(480)])
        #expect(waits.allSatisfy { $0 >= .seconds(60) && $0 <= .seconds(day) })
        #expect(zip(waits, waits.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(waits.last == .seconds(day))
        #expect(policy.backoff(afterFailures: 0) == .seconds(60))
        #expect(policy.backoff(afterFailures: Int.max) == .seconds(day))
    }

    @Test func aServedCertificateCapsTheBackoffAtHalfItsRemainingLife() {
        let policy = RenewalPolicy()
        let now: Int64 = 1_000_000
        // Ten failures would wait 60 * 2^9 s = 8.5 h, but the certificate has 4 h left: wait 2 h.
        #expect(policy.nextAttempt(afterFailures: 10, at: at(now), currentExpiry: at(now + 4 * 3600)) == at(now + 2 * 3600))
        // Never more often than the minimum, even a minute before expiry or after it.
        #expect(policy.nextAttempt(afterFailures: 10, at: at(now), currentExpiry: at(now + 60)) == at(now + 60))
        #expect(policy.nextAttempt(afterFailures: 10, at: at(now), currentExpiry: at(now - 60)) == at(now + 60 * 512))
        #expect(policy.nextAttempt(afterFailures: 1, at: at(now), currentExpiry: nil) == at(now + 60))
    }

    /// A week of simulated time in which the CA is down for the first two days: the number of
    /// attempts stays far below Let's Encrypt's limits, and the first success comes soon
    /// after the CA is back.
    @Test func aWeekOfFailuresThenSuccessOnSimulatedTime() {
        var schedule = RenewalSchedule(policy: RenewalPolicy(), now: at(0))
        var now: Int64 = 0
        var attempts: [Int64] = []
        var issued: [Int64] = []
        let caBackAt = 2 * day
        let lifetime = 90 * day
        while now < 200 * day {
            #expect(schedule.isDue(at: at(now)))
            attempts.append(now)
            if now >= caBackAt {
                issued.append(now)
                schedule.installed(notBefore: at(now), notAfter: at(now + lifetime))
            } else {
                schedule.failed(at: at(now))
            }
            let delay = schedule.delay(from: at(now))
            #expect(delay >= .seconds(60), "attempts at least a minute apart")
            now += delay.components.seconds
        }
        let failures = attempts.filter { $0 < caBackAt }
        #expect(failures.count == 12)  // at 0, then after 1, 2, 4, ... 1024 minutes, then a day
        #expect(issued.first! - caBackAt < day)
        #expect(issued.count == 4)  // days ~2, ~62, ~122, ~182
        #expect(zip(issued, issued.dropFirst()).allSatisfy { $1 - $0 == 60 * day })
        #expect(schedule.consecutiveFailures == 0)
    }

    @Test func aRenewalFailingBeforeExpiryRetriesMoreOftenAsExpiryNears() {
        var schedule = RenewalSchedule(policy: RenewalPolicy(), now: at(0))
        schedule.installed(notBefore: at(0), notAfter: at(90 * day))
        #expect(!schedule.isDue(at: at(60 * day - 1)))
        #expect(schedule.delay(from: at(0)) == .seconds(60 * day))
        var now = 60 * day
        var waits: [Int64] = []
        // The CA never answers again: attempts continue until expiry, never closer than a minute.
        while now < 90 * day {
            schedule.failed(at: at(now))
            let wait = schedule.nextAttempt.secondsSinceEpoch - now
            waits.append(wait)
            now += wait
        }
        #expect(waits.allSatisfy { $0 >= 60 && $0 <= day })
        #expect(waits.count < 200)
        // The last day has attempts every few hours at most.
        #expect(schedule.consecutiveFailures == waits.count)
    }

    @Test func extremeTimesSaturateInsteadOfTrapping() {
        var policy = RenewalPolicy()
        policy.maximumBackoff = .seconds(Int64.max)
        #expect(policy.renewalTime(notBefore: at(Int64.min), notAfter: at(Int64.max)) == at(Int64.min + Int64.max / 3 * 2))
        #expect(policy.nextAttempt(afterFailures: 200, at: at(Int64.max - 10), currentExpiry: nil) == at(Int64.max))
        #expect(policy.nextAttempt(afterFailures: 3, at: at(Int64.min), currentExpiry: at(Int64.max)).secondsSinceEpoch > Int64.min)
        var schedule = RenewalSchedule(policy: policy, now: at(Int64.max))
        #expect(schedule.delay(from: at(Int64.min)) == .seconds(Int64.max))
        schedule.failed(at: at(Int64.max))
        #expect(schedule.nextAttempt == at(Int64.max))
    }

    @Test func boundsAreConfigurable() {
        var policy = RenewalPolicy()
        policy.minimumBackoff = .seconds(5)
        policy.maximumBackoff = .seconds(30)
        policy.renewalFraction = (1, 2)
        #expect((1...5).map { policy.backoff(afterFailures: $0) } == [.seconds(5), .seconds(10), .seconds(20), .seconds(30), .seconds(30)])
        #expect(policy.renewalTime(notBefore: at(0), notAfter: at(100)) == at(50))
    }
}
