import SwiftletDevices
import SwiftletRuntime

/// The `random` device: an HMAC-DRBG (SP 800-90A) seeded from the platform's entropy source
/// (getrandom on unix, RDSEED/RDRAND on the Solo5 targets) and reseeded from it every
/// `reseedInterval` requests. Without a source the unikernel refuses to start, saying what to
/// add (``Platform/requireEntropy(count:)``); there is no clock-seeded fallback.
///
/// Copies share one generator, so two copies never repeat each other's output.
public struct PlatformRandom<P: Platform>: RandomDevice {
    /// Requests between reseeds.
    public static var reseedInterval: Int { 65536 }

    private final class State {
        let platform: P
        var drbg: HMACDRBG
        init(platform: P) {
            self.platform = platform
            drbg = HMACDRBG(entropy: platform.requireEntropy(count: 32), nonce: platform.requireEntropy(count: 16),
                            personalization: Array("swiftlet PlatformRandom".utf8))
        }
    }
    private let state: State

    /// A generator seeded from `platform` now.
    public init(platform: P) { state = State(platform: platform) }

    public mutating func fill(_ bytes: inout [UInt8]) {
        if state.drbg.requestsSinceSeed >= PlatformRandom.reseedInterval {
            state.drbg.reseed(entropy: state.platform.requireEntropy(count: 32))
        }
        state.drbg.generate(into: &bytes)
    }

    public mutating func next() -> UInt64 {
        var bytes = [UInt8](repeating: 0, count: 8)
        fill(&bytes)
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
