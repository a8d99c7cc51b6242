import CBearSSL
import SwiftletCrypto
import SwiftletRuntime
import Testing

/// HMAC-DRBG against BearSSL's independent implementation of SP 800-90A, and the random device's
/// seeding and sharing.
@Suite struct RandomTests {
    @Test func hmacDRBGMatchesBearSSL() {
        let entropy = Array(UInt8(0)...UInt8(31)), nonce = Array(UInt8(32)...UInt8(47)), personalization = Array("p".utf8)
        var ours = HMACDRBG(entropy: entropy, nonce: nonce, personalization: personalization)
        var theirs = br_hmac_drbg_context()
        let seed = entropy + nonce + personalization
        br_hmac_drbg_init(&theirs, swiftlet_sha256_class(), seed, seed.count)
        for length in [1, 32, 33, 100, 1000] {
            var mine = [UInt8](repeating: 0, count: length)
            ours.generate(into: &mine)
            var reference = [UInt8](repeating: 0, count: length)
            br_hmac_drbg_generate(&theirs, &reference, length)
            #expect(mine == reference, "\(length) bytes")
        }
        // Reseeding is SP 800-90A's update with the new material, as BearSSL's br_hmac_drbg_update.
        ours.reseed(entropy: Array(repeating: 7, count: 32))
        br_hmac_drbg_update(&theirs, [UInt8](repeating: 7, count: 32), 32)
        var mine = [UInt8](repeating: 0, count: 64), reference = [UInt8](repeating: 0, count: 64)
        ours.generate(into: &mine)
        br_hmac_drbg_generate(&theirs, &reference, 64)
        #expect(mine == reference)
        #expect(ours.requestsSinceSeed == 1)
    }

    @Test func platformRandomIsSeededAndShared() {
        let platform = SimulatedPlatform()
        var a = PlatformRandom(platform: platform)
        var copy = a
        let first = a.bytes(count: 32)
        #expect(copy.bytes(count: 32) != first, "a copy continues the stream")
        // Another generator gets other entropy from the platform.
        var b = PlatformRandom(platform: platform)
        #expect(b.bytes(count: 32) != first)
        #expect(UInt16.random(in: 49152...65535, using: &a) >= 49152)
    }
}
