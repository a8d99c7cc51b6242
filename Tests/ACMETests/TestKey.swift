import SwiftletACME

/// A stand-in account key until SwiftletCrypto is merged: a fixed P-256 public key per seed,
/// and a "signature" the fake CA does not check.
struct TestKey: JWSSigningKey {
    let seed: UInt8
    var algorithm: String { "ES256" }
    var publicJWK: JSONObject {
        JWK.p256(x963Representation: [0x04] + [UInt8](repeating: seed, count: 32) + [UInt8](repeating: seed &+ 1, count: 32))!
    }
    func signature(for signingInput: [UInt8]) -> [UInt8] { [UInt8](repeating: seed, count: 64) }
}
