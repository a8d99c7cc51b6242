import SwiftletACME
import SwiftletCrypto

/// Account keys for the tests: seed-derived, so each test's keys are fixed.
enum TestKey {
    static func make(_ seed: Int) -> ES256Key { ES256Key(seed: "test account \(seed)") }

    /// Whether `signature` is a valid ES256 signature of `input` by the key `jwk` describes:
    /// the fake CA's check, as a CA makes it.
    static func verify(jwk: JSONObject, input: [UInt8], signature: [UInt8]) -> Bool {
        guard jwk["kty"]?.string == "EC", jwk["crv"]?.string == "P-256",
              let x = jwk["x"]?.string.flatMap(Base64URL.decode), let y = jwk["y"]?.string.flatMap(Base64URL.decode),
              x.count == 32, y.count == 32, signature.count == 64,
              let key = try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y),
              let parsed = try? ECDSASignature(rawRepresentation: signature)
        else { return false }
        return key.isValidSignature(parsed, for: input)
    }
}
