import _Concurrency
import SwiftletDevices
import SwiftletRuntime

/// Keeps a certificate current while the unikernel serves: obtains one when none is in use,
/// renews at two thirds of its lifetime, backs off on failure (`RenewalPolicy`), and hands each
/// new chain to `install` (which swaps it into the TLS server; connections in progress keep
/// the old one). It never throws and never stops on a failure, and it never tries sooner than
/// the policy allows, so a broken CA or network cannot make it hammer the CA.
///
/// ```swift
/// let renewer = CertificateRenewer(clock: wallClock, time: time, current: storedChain,
///     obtain: { () async throws(ACMEError) in try await client.obtainCertificate(for: [host], csr: csr, responder: responder) },
///     install: { chain in tlsServer.replaceCertificate(chain) })
/// Task { await renewer.run() }
/// ```
public final class CertificateRenewer<Clock: WallClock, Time: TimeDevice> {
    /// What one attempt did.
    public enum Outcome: Equatable, Sendable {
        case installed(notAfter: WallClockTime)
        case failed(ACMEError)
    }

    /// The state of the schedule: next attempt, failures so far.
    public private(set) var schedule: RenewalSchedule
    /// Attempts made, successful or not.
    public private(set) var attempts = 0
    /// The longest single sleep, so that a wall clock set late (no RTC at boot, NTP later) is
    /// noticed within this long.
    public var maximumSleep: Duration = .seconds(3600)

    private let clock: Clock
    private let time: Time
    private let obtain: () async throws(ACMEError) -> ACMECertificateChain
    private let install: (ACMECertificateChain) -> Void
    private let log = Logger(source: "acme")

    /// A renewer whose first attempt is due at once unless `current` (a chain found in a store,
    /// say) is already in use, in which case it is due at two thirds of that chain's lifetime.
    public init(policy: RenewalPolicy = RenewalPolicy(), clock: Clock, time: Time, current: ACMECertificateChain? = nil,
                obtain: @escaping () async throws(ACMEError) -> ACMECertificateChain,
                install: @escaping (ACMECertificateChain) -> Void) {
        self.clock = clock
        self.time = time
        self.obtain = obtain
        self.install = install
        schedule = RenewalSchedule(policy: policy, now: clock.now())
        if let current { schedule.installed(notBefore: current.notBefore, notAfter: current.notAfter) }
    }

    /// Waits until the next attempt is due (in sleeps of at most `maximumSleep`, rereading the
    /// clock after each), makes it, and returns what happened.
    @discardableResult
    public func step() async -> Outcome {
        while !schedule.isDue(at: clock.now()) {
            await time.sleep(for: min(schedule.delay(from: clock.now()), maximumSleep))
            if Task.isCancelled { return .failed(.unsupported("cancelled")) }
        }
        attempts += 1
        do throws(ACMEError) {
            let chain = try await obtain()
            schedule.installed(notBefore: chain.notBefore, notAfter: chain.notAfter)
            install(chain)
            log.info("certificate installed, valid until \(CivilTime(chain.notAfter).description); renewal at \(CivilTime(schedule.nextAttempt).description)")
            return .installed(notAfter: chain.notAfter)
        } catch {
            let now = clock.now()
            schedule.failed(at: now)
            log.error("certificate attempt \(schedule.consecutiveFailures) failed: \(error.description); next in \(schedule.delay(from: now).components.seconds) s")
            return .failed(error)
        }
    }

    /// Steps until the task is cancelled.
    public func run() async {
        while !Task.isCancelled { await step() }
    }
}
