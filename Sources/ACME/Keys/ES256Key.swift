import SwiftletCrypto

/// A P-256 account key signing with ES256 (ECDSA with SHA-256, RFC 7518 section 3.4), the
/// algorithm Let's Encrypt and pebble expect.
/// ```swift
/// let accountKey = ES256Key(seed: accountSeed)          // the same seed, the same account
/// ```
public struct ES256Key: JWSSigningKey {
    public let privateKey: P256.Signing.PrivateKey
    public let publicJWK: JSONObject

    public init(_ privateKey: P256.Signing.PrivateKey) {
        self.privateKey = privateKey
        // A P-256 public key is always 65 bytes of X9.63 uncompressed point.
        publicJWK = JWK.p256(x963Representation: privateKey.publicKey.x963Representation) ?? JSONObject()
    }

    /// The account key derived from `seed` (`ACMEKeys.accountLabel`).
    public init(seed: String) {
        self.init(P256.Signing.PrivateKey(seed: seed, label: ACMEKeys.accountLabel))
    }

    public var algorithm: String { "ES256" }

    /// r || s, 32 bytes each; the nonce is RFC 6979's.
    public func signature(for signingInput: [UInt8]) -> [UInt8] {
        privateKey.signature(for: signingInput).rawRepresentation
    }
}
