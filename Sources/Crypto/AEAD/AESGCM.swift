/// AES (FIPS 197), in the modes this module offers.
public enum AES {
    /// AES-GCM (NIST SP 800-38D) with 16-byte tags; keys of 16, 24 or 32 bytes.
    public enum GCM {
        /// Encrypts `plaintext` under `key` and `nonce` (never repeat one under a key), and
        /// authenticates it with `aad`.
        public static func seal(_ plaintext: [UInt8], using key: SymmetricKey, nonce: [UInt8],
                                authenticating aad: [UInt8] = []) throws(CryptoError) -> (ciphertext: [UInt8], tag: [UInt8]) {
            guard !nonce.isEmpty else { throw .invalidParameter("empty GCM nonce") }
            let expanded = try AEADKey(gcmKey: key.bytes)
            var data = plaintext
            let tag = expanded.seal(&data, nonce: nonce, authenticating: aad)
            return (data, tag)
        }

        /// The plaintext, if `tag` authenticates `ciphertext` and `aad`; else `authenticationFailure`.
        public static func open(ciphertext: [UInt8], tag: [UInt8], using key: SymmetricKey, nonce: [UInt8],
                                authenticating aad: [UInt8] = []) throws(CryptoError) -> [UInt8] {
            let expanded = try AEADKey(gcmKey: key.bytes)
            var data = ciphertext
            try expanded.open(&data, tag: tag, nonce: nonce, authenticating: aad)
            return data
        }
    }
}
