/// NIST P-256 (secp256r1): ECDH and ECDSA with SHA-256.
public enum P256 {
    /// ECDH on P-256.
    public enum KeyAgreement {
        /// A P-256 private scalar.
        public struct PrivateKey {
            /// The 32-byte big-endian scalar.
            public let rawRepresentation: [UInt8]

            /// A fresh key from `generator`.
            public init<R: RandomNumberGenerator>(using generator: inout R) {
                rawRepresentation = WeierstrassCurve.p256.randomScalar(using: &generator)
            }

            /// The key with scalar `rawRepresentation` (32 bytes, in [1, n-1]).
            public init(rawRepresentation: [UInt8]) throws(CryptoError) {
                guard WeierstrassCurve.p256.isValidScalar(rawRepresentation) else { throw .invalidKey }
                self.rawRepresentation = rawRepresentation
            }

            /// The matching public key.
            public var publicKey: PublicKey { PublicKey(point: WeierstrassCurve.p256.publicPoint(of: rawRepresentation)) }

            /// The shared secret with `publicKey`: the x coordinate of the product (32 bytes).
            public func sharedSecretFromKeyAgreement(with publicKey: PublicKey) throws(CryptoError) -> [UInt8] {
                try WeierstrassCurve.p256.sharedX(scalar: rawRepresentation, point: publicKey.x963Representation)
            }
        }

        /// A P-256 public point.
        public struct PublicKey {
            /// The uncompressed point, 0x04 || x || y (65 bytes).
            public let x963Representation: [UInt8]

            init(point: [UInt8]) { x963Representation = point }

            /// The point `x963Representation` (uncompressed); throws `invalidKey` if it is not on the curve.
            public init(x963Representation: [UInt8]) throws(CryptoError) {
                guard WeierstrassCurve.p256.isValidPoint(x963Representation) else { throw .invalidKey }
                self.x963Representation = x963Representation
            }
        }
    }

    /// ECDSA on P-256.
    public enum Signing {
        /// A P-256 signing key.
        public struct PrivateKey {
            /// The 32-byte big-endian scalar.
            public let rawRepresentation: [UInt8]

            /// A fresh key from `generator`.
            public init<R: RandomNumberGenerator>(using generator: inout R) {
                rawRepresentation = WeierstrassCurve.p256.randomScalar(using: &generator)
            }

            /// The key with scalar `rawRepresentation` (32 bytes, in [1, n-1]).
            public init(rawRepresentation: [UInt8]) throws(CryptoError) {
                guard WeierstrassCurve.p256.isValidScalar(rawRepresentation) else { throw .invalidKey }
                self.rawRepresentation = rawRepresentation
            }

            /// The matching public key.
            public var publicKey: PublicKey { PublicKey(point: WeierstrassCurve.p256.publicPoint(of: rawRepresentation)) }

            /// The signature of SHA-256(`message`), with k derived as RFC 6979 says (the same
            /// message and key always give the same signature).
            public func signature(for message: [UInt8]) -> ECDSASignature {
                signature(forDigest: SHA256.hash(data: message))
            }

            /// The signature of a digest (SHA-256's normally; SHA-1/384/512 lengths also work,
            /// their hash then drives RFC 6979).
            public func signature(forDigest digest: [UInt8]) -> ECDSASignature {
                WeierstrassCurve.p256.sign(digest: digest, scalar: rawRepresentation)
            }
        }

        /// A P-256 verification key.
        public struct PublicKey {
            /// The uncompressed point, 0x04 || x || y (65 bytes).
            public let x963Representation: [UInt8]

            init(point: [UInt8]) { x963Representation = point }

            /// The point `x963Representation` (uncompressed); throws `invalidKey` if it is not on the curve.
            public init(x963Representation: [UInt8]) throws(CryptoError) {
                guard WeierstrassCurve.p256.isValidPoint(x963Representation) else { throw .invalidKey }
                self.x963Representation = x963Representation
            }

            /// Whether `signature` signs SHA-256(`message`).
            public func isValidSignature(_ signature: ECDSASignature, for message: [UInt8]) -> Bool {
                isValidSignature(signature, forDigest: SHA256.hash(data: message))
            }

            /// Whether `signature` signs `digest`.
            public func isValidSignature(_ signature: ECDSASignature, forDigest digest: [UInt8]) -> Bool {
                WeierstrassCurve.p256.isValid(signature, digest: digest, point: x963Representation)
            }
        }
    }
}
