import CBearSSL

/// RSA signature verification (RFC 8017): certificate chains and TLS servers' RSA keys.
public enum RSA {
    /// RSA signatures.
    public enum Signing {
        /// An RSA public key of 2048 to 4096 bits.
        public struct PublicKey: Sendable {
            /// The modulus n, big-endian without leading zeros.
            public let modulus: [UInt8]
            /// The public exponent e, big-endian without leading zeros.
            public let exponent: [UInt8]

            /// The signature schemes.
            public enum Padding: Sendable {
                /// EMSA-PKCS1-v1_5 (RFC 8017 section 9.2), DigestInfo with the hash's OID.
                case pkcs1v1_5
                /// EMSA-PSS (RFC 8017 section 9.1) with MGF1 over the same hash and a salt as long
                /// as the hash (the TLS 1.3 rule, RFC 8446 section 4.2.3).
                case pss
            }

            /// The key (n, e), both big-endian (leading zero bytes, as DER has them, are fine);
            /// throws `invalidKey` for a modulus outside 2048...4096 bits, an even one, or a bad exponent.
            public init(modulus: [UInt8], exponent: [UInt8]) throws(CryptoError) {
                let n = Array(modulus.drop { $0 == 0 })
                let e = Array(exponent.drop { $0 == 0 })
                let bits = n.isEmpty ? 0 : n.count * 8 - n[0].leadingZeroBitCount
                guard bits >= 2048, bits <= 4096, n[n.count - 1] & 1 == 1 else { throw .invalidKey }
                guard !e.isEmpty, e.count <= 4, e[e.count - 1] & 1 == 1, e != [1] else { throw .invalidKey }
                self.modulus = n
                self.exponent = e
            }

            /// The modulus length in bits.
            public var bitCount: Int { modulus.count * 8 - modulus[0].leadingZeroBitCount }

            /// Whether `signature` signs `message` hashed with `hash` (SHA-1, -256, -384 or -512) under `padding`.
            public func isValidSignature<H: HashFunction>(_ signature: [UInt8], for message: [UInt8], hash: H.Type,
                                                          padding: Padding) -> Bool {
                isValidSignature(signature, forDigest: H.hash(data: message), hash: hash, padding: padding)
            }

            /// Whether `signature` signs `digest`, a `hash` output, under `padding`.
            public func isValidSignature<H: HashFunction>(_ signature: [UInt8], forDigest digest: [UInt8], hash: H.Type,
                                                          padding: Padding) -> Bool {
                guard signature.count == modulus.count, digest.count == H.byteCount else { return false }
                switch padding {
                case .pkcs1v1_5:
                    guard let identifier = bearSSLHash(H.self) else { return false }
                    var recovered = [UInt8](repeating: 0, count: H.byteCount)
                    let unpadded = swiftlet_rsa_pkcs1_recover(signature, signature.count, identifier, H.byteCount,
                                                              modulus, modulus.count, exponent, exponent.count, &recovered)
                    return unpadded == 1 && constantTimeEquals(recovered, digest)
                case .pss:
                    var encoded = signature
                    guard swiftlet_rsa_public(&encoded, encoded.count, modulus, modulus.count, exponent, exponent.count) == 1
                    else { return false }
                    return PSS<H>.verify(encoded: encoded, digest: digest, modulusBits: bitCount)
                }
            }
        }
    }
}
