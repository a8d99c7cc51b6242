import CBearSSL

/// Curve25519 (RFC 7748).
public enum Curve25519 {
    /// X25519 Diffie-Hellman.
    public enum KeyAgreement {
        /// A 32-byte X25519 private key (clamped when used, as the RFC says).
        public struct PrivateKey {
            /// The 32 bytes of the scalar, little-endian as in RFC 7748.
            public let rawRepresentation: [UInt8]

            /// A fresh key from `generator`.
            public init<R: RandomNumberGenerator>(using generator: inout R) {
                rawRepresentation = randomBytes(count: 32, using: &generator)
            }

            /// The key whose scalar is `rawRepresentation` (32 bytes).
            public init(rawRepresentation: [UInt8]) throws(CryptoError) {
                guard rawRepresentation.count == 32 else { throw .invalidKey }
                self.rawRepresentation = rawRepresentation
            }

            /// The matching public key.
            public var publicKey: PublicKey {
                var point = [UInt8](repeating: 0, count: 32)
                swiftlet_x25519(&point, rawRepresentation, nil)
                return PublicKey(point: point)
            }

            /// The shared secret with `publicKey`; throws `invalidKey` when it is all zeros (a
            /// small-order peer point, RFC 7748 section 6.1).
            public func sharedSecretFromKeyAgreement(with publicKey: PublicKey) throws(CryptoError) -> [UInt8] {
                var secret = [UInt8](repeating: 0, count: 32)
                swiftlet_x25519(&secret, rawRepresentation, publicKey.rawRepresentation)
                var any: UInt8 = 0
                for byte in secret { any |= byte }
                guard any != 0 else { throw .invalidKey }
                return secret
            }
        }

        /// A 32-byte X25519 public key (the u coordinate, little-endian).
        public struct PublicKey {
            /// The 32 bytes of the u coordinate.
            public let rawRepresentation: [UInt8]

            init(point: [UInt8]) { rawRepresentation = point }

            /// The key whose u coordinate is `rawRepresentation` (32 bytes).
            public init(rawRepresentation: [UInt8]) throws(CryptoError) {
                guard rawRepresentation.count == 32 else { throw .invalidKey }
                self.rawRepresentation = rawRepresentation
            }
        }
    }
}
