import SwiftletCrypto

/// The hash of a cipher suite's key schedule, with the HMAC and HKDF built on it.
public enum HashAlgorithm: Equatable, Sendable {
    case sha256
    case sha384

    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        }
    }

    public func hash(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: SHA256.hash(data: data)
        case .sha384: SHA384.hash(data: data)
        }
    }

    public func authenticationCode(for data: [UInt8], key: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key))
        case .sha384: HMAC<SHA384>.authenticationCode(for: data, using: SymmetricKey(data: key))
        }
    }

    /// HKDF-Extract (RFC 5869).
    public func extract(salt: [UInt8], inputKeyMaterial: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: inputKeyMaterial), salt: salt)
        case .sha384: HKDF<SHA384>.extract(inputKeyMaterial: SymmetricKey(data: inputKeyMaterial), salt: salt)
        }
    }

    /// HKDF-Expand (RFC 5869).
    public func expand(pseudoRandomKey: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        switch self {
        case .sha256: HKDF<SHA256>.expand(pseudoRandomKey: pseudoRandomKey, info: info, outputByteCount: length).bytes
        case .sha384: HKDF<SHA384>.expand(pseudoRandomKey: pseudoRandomKey, info: info, outputByteCount: length).bytes
        }
    }
}

extension CipherSuite {
    /// The suite's key-schedule hash, or `nil` for a suite Swiftlet does not implement.
    public var hash: HashAlgorithm? {
        switch self {
        case .aes128GCMSHA256, .chacha20Poly1305SHA256: .sha256
        case .aes256GCMSHA384: .sha384
        default: nil
        }
    }

    /// The suite's AEAD and its key length.
    var aead: (algorithm: AEADKey.Algorithm, keyLength: Int)? {
        switch self {
        case .aes128GCMSHA256: (.aes128GCM, 16)
        case .aes256GCMSHA384: (.aes256GCM, 32)
        case .chacha20Poly1305SHA256: (.chacha20Poly1305, 32)
        default: nil
        }
    }
}

/// The running hash of the handshake messages (§4.4.1).
public struct TranscriptHash {
    private enum State {
        case sha256(SHA256)
        case sha384(SHA384)
    }

    private var state: State
    public let algorithm: HashAlgorithm

    public init(_ algorithm: HashAlgorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .sha384: state = .sha384(SHA384())
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        switch state {
        case .sha256(var hash):
            hash.update(data: bytes)
            state = .sha256(hash)
        case .sha384(var hash):
            hash.update(data: bytes)
            state = .sha384(hash)
        }
    }

    /// The hash of everything so far; hashing can go on.
    public var current: [UInt8] {
        switch state {
        case .sha256(let hash): hash.finalize()
        case .sha384(let hash): hash.finalize()
        }
    }

    /// Restarts the transcript with the synthetic `message_hash` of the first ClientHello, as
    /// after a HelloRetryRequest (§4.4.1).
    public mutating func replaceWithMessageHash() {
        let digest = current
        self = TranscriptHash(algorithm)
        update(HandshakeMessage.frame(.messageHash, digest))
    }
}
