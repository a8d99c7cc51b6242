/// NIST P-384 (secp384r1): ECDSA verification (certificate chains signed with P-384 keys).
public enum P384 {
    /// ECDSA on P-384.
    public enum Signing {
        /// A P-384 verification key.
        public struct PublicKey {
            /// The uncompressed point, 0x04 || x || y (97 bytes).
            public let x963Representation: [UInt8]

            /// The point `x963Representation` (uncompressed); throws `invalidKey` if it is not on the curve.
            public init(x963Representation: [UInt8]) throws(CryptoError) {
                guard WeierstrassCurve.p384.isValidPoint(x963Representation) else { throw .invalidKey }
                self.x963Representation = x963Representation
            }

            /// Whether `signature` signs SHA-384(`message`).
            public func isValidSignature(_ signature: ECDSASignature, for message: [UInt8]) -> Bool {
                isValidSignature(signature, forDigest: SHA384.hash(data: message))
            }

            /// Whether `signature` signs `digest` (of any hash; as ECDSA says, longer ones are truncated).
            public func isValidSignature(_ signature: ECDSASignature, forDigest digest: [UInt8]) -> Bool {
                WeierstrassCurve.p384.isValid(signature, digest: digest, point: x963Representation)
            }
        }
    }
}
