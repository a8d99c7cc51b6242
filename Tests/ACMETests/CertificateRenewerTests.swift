import SwiftletACME
import SwiftletDevices
import Testing

/// A wall clock that only moves when the renewer sleeps: simulated time.
final class SimulatedClock: WallClock, TimeDevice {
    var seconds: Int64
    private(set) var sleeps = 0
    init(_ seconds: Int64) { self.seconds = seconds }
    func now() -> WallClockTime { WallClockTime(secondsSinceEpoch: seconds) }
    func sleep(for duration: Duration) async {
        sleeps += 1
        seconds += max(duration.components.seconds, 1)
    }
}

@Suite struct CertificateRenewerTests {
    let chain = try! ACMECertificateChain(pem: FakeCA.chainPEM)  // 90 days

    @Test func obtainsAtOnceThenRenewsAtTwoThirds() async {
        let start = chain.notBefore.secondsSinceEpoch
        let clock = SimulatedClock(start)
        var installedAt: [Int64] = []
        let renewer = CertificateRenewer(clock: clock, time: clock,
                                         obtain: { () throws(ACMEError) in chain },
                                         install: { _ in installedAt.append(clock.seconds) })
        #expect(await renewer.step() == .installed(notAfter: chain.notAfter))
        #expect(installedAt == [start])
        #expect(clock.sleeps == 0)
        #expect(await renewer.step() == .installed(notAfter: chain.notAfter))
        // Renewed at day 60, in sleeps of at most an hour.
        #expect(installedAt == [start, start + 60 * 86_400])
        #expect(clock.sleeps == 60 * 24)
    }

    @Test func aStoredChainIsNotRenewedAtBoot() async {
        let clock = SimulatedClock(chain.notBefore.secondsSinceEpoch + 86_400)
        var obtained = 0
        let renewer = CertificateRenewer(clock: clock, time: clock, current: chain,
                                         obtain: { () throws(ACMEError) in obtained += 1; return chain },
                                         install: { _ in })
        #expect(!renewer.schedule.isDue(at: clock.now()))
        await renewer.step()
        #expect(obtained == 1)
        #expect(clock.seconds == chain.notBefore.secondsSinceEpoch + 60 * 86_400)
    }

    /// The CA fails for a day and a half: attempts back off 1, 2, 4, ... minutes, none closer
    /// than a minute, and the first success after it recovers installs the chain.
    @Test func failuresBackOffAndNeverLoop() async {
        let start = chain.notBefore.secondsSinceEpoch
        let clock = SimulatedClock(start)
        var attemptTimes: [Int64] = []
        var installs = 0
        let renewer = CertificateRenewer(clock: clock, time: clock,
                                         obtain: { () throws(ACMEError) in
                                             attemptTimes.append(clock.seconds)
                                             if clock.seconds < start + 36 * 3600 {
                                                 throw .problem(ACMEProblem(type: "urn:ietf:params:acme:error:serverInternal", detail: "down"))
                                             }
                                             return chain
                                         },
                                         install: { _ in installs += 1 })
        var outcomes: [CertificateRenewer<SimulatedClock, SimulatedClock>.Outcome] = []
        for _ in 0..<40 {
            let outcome = await renewer.step()
            outcomes.append(outcome)
            if case .installed = outcome { break }
        }
        #expect(installs == 1)
        let failures = outcomes.filter { if case .failed = $0 { return true } else { return false } }.count
        #expect(failures == 12)
        #expect(renewer.attempts == 13)
        let gaps = zip(attemptTimes, attemptTimes.dropFirst()).map { $1 - $0 }
        #expect(gaps.prefix(4) == [60, 120, 240, 480])
        #expect(gaps.allSatisfy { $0 >= 60 && $0 <= 86_400 })
        #expect(renewer.schedule.consecutiveFailures == 0)
    }
}
