import SwiftletCrypto

extension JWK {
    /// The JWK thumbprint (RFC 7638) with SHA-256, base64url: ACME's account key fingerprint
    /// in key authorizations. `nil` when `thumbprintInput` is.
    public static func thumbprint(_ jwk: JSONObject) -> String? {
        guard let input = thumbprintInput(jwk) else { return nil }
        return Base64URL.encode(SHA256.hash(data: input))
    }
}
