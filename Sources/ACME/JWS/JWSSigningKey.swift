/// A private key that signs JWS messages: an ACME account key.
///
/// `ES256Key` (P-256, the key Let's Encrypt and pebble expect) is the one Swiftlet provides.
public protocol JWSSigningKey {
    /// The JWS `alg` value (RFC 7518), e.g. `ES256`.
    var algorithm: String { get }
    /// The public key as a JWK (RFC 7517): exactly the members RFC 7638 hashes for its key type.
    var publicJWK: JSONObject { get }
    /// The JWS signature of `signingInput` (for ES256: r and s, 32 bytes each, RFC 7518 section 3.4).
    func signature(for signingInput: [UInt8]) -> [UInt8]
}
