/// Why a cryptographic operation failed.
public enum CryptoError: Error, Equatable {
    /// An AEAD tag did not match: the ciphertext, nonce or additional data were altered.
    case authenticationFailure
    /// A key is malformed: wrong length, out of range, not on the curve.
    case invalidKey
    /// A signature is malformed.
    case invalidSignature
    /// An argument is out of range (the string says which).
    case invalidParameter(String)
    /// No entropy source is available.
    case noEntropy
}
