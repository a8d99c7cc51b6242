/// ChaCha20-Poly1305 (RFC 8439): 32-byte keys, 12-byte nonces, 16-byte tags.
public enum ChaChaPoly {
    /// Encrypts `plaintext` under `key` and `nonce` (never repeat one under a key), and
    /// authenticates it with `aad`.
    public static func seal(_ plaintext: [UInt8], using key: SymmetricKey, nonce: [UInt8],
                            authenticating aad: [UInt8] = []) throws(CryptoError) -> (ciphertext: [UInt8], tag: [UInt8]) {
        guard nonce.count == 12 else { throw .invalidParameter("ChaCha20-Poly1305 nonces are 12 bytes") }
        let expanded = try AEADKey(.chacha20Poly1305, key: key)
        var data = plaintext
        let tag = expanded.seal(&data, nonce: nonce, authenticating: aad)
        return (data, tag)
    }

    /// The plaintext, if `tag` authenticates `ciphertext` and `aad`; else `authenticationFailure`.
    public static func open(ciphertext: [UInt8], tag: [UInt8], using key: SymmetricKey, nonce: [UInt8],
                            authenticating aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
        let expanded = try AEADKey(.chacha20Poly1305, key: key)
        var data = ciphertext
        try expanded.open(&data, tag: tag, nonce: nonce, authenticating: aad)
        return data
    }
}
