import SwiftletStorage

extension JWK {
    /// The JWK thumbprint (RFC 7638) with SHA-256, base64url: ACME's account key fingerprint
    /// in key authorizations. `nil` when `thumbprintInput` is.
    public static func thumbprint(_ jwk: JSONObject) -> String? {
        guard let input = thumbprintInput(jwk) else { return nil }
        return Base64URL.encode(sha256(input))
    }
}

/// SHA-256. Until SwiftletCrypto is merged this uses the storage layer's digest.
func sha256(_ bytes: [UInt8]) -> [UInt8] {
    SHA256.hash(bytes).bytes
}
