import CBearSSL

/// An AEAD key expanded once and used for many messages in place: what a TLS connection keeps
/// for each direction of its records.
///
/// ```swift
/// let key = try AEADKey(.aes128GCM, key: SymmetricKey(data: keyBytes))
/// let tag = key.seal(&record, nonce: nonce, authenticating: header)   // record is now ciphertext
/// try key.open(&record, tag: tag, nonce: nonce, authenticating: header)
/// ```
public struct AEADKey {
    /// The algorithms, with their key lengths.
    public enum Algorithm: Sendable {
        /// AES-128-GCM (16-byte key, 12-byte nonces in TLS).
        case aes128GCM
        /// AES-256-GCM (32-byte key).
        case aes256GCM
        /// ChaCha20-Poly1305 of RFC 8439 (32-byte key, 12-byte nonce).
        case chacha20Poly1305

        /// The key length in bytes.
        public var keyByteCount: Int {
            switch self {
            case .aes128GCM: return 16
            case .aes256GCM, .chacha20Poly1305: return 32
            }
        }
    }

    /// The length of every tag.
    public static let tagByteCount = 16

    /// The algorithm this key is for.
    public let algorithm: Algorithm
    private let storage: Storage

    /// Expands `key` for `algorithm`; throws `invalidKey` for a key of the wrong length.
    public init(_ algorithm: Algorithm, key: SymmetricKey) throws(CryptoError) {
        guard key.bytes.count == algorithm.keyByteCount else { throw .invalidKey }
        self.algorithm = algorithm
        storage = Storage(algorithm, key: key.bytes)
    }

    /// For AES-GCM with a key of any AES length (16, 24 or 32 bytes).
    init(gcmKey key: [UInt8]) throws(CryptoError) {
        guard key.count == 16 || key.count == 24 || key.count == 32 else { throw .invalidKey }
        algorithm = key.count == 16 ? .aes128GCM : .aes256GCM
        storage = Storage(.aes128GCM, key: key)
    }

    /// Encrypts `plaintext` in place (it becomes the ciphertext) and returns the 16-byte tag over
    /// it and `aad`. The nonce must never repeat under one key; ChaCha20-Poly1305 needs 12 bytes,
    /// GCM any non-empty length (12 is the fast one).
    public func seal(_ plaintext: inout [UInt8], nonce: [UInt8], authenticating aad: [UInt8]) -> [UInt8] {
        precondition(isValid(nonce: nonce), "AEAD nonce of the wrong length")
        var tag = [UInt8](repeating: 0, count: AEADKey.tagByteCount)
        plaintext.withUnsafeMutableBytes { data in
            tag.withUnsafeMutableBytes { tag in
                switch storage.kind {
                case .gcm(let key):
                    swiftlet_gcm_seal(key, nonce, nonce.count, aad, aad.count, data.baseAddress, data.count, tag.baseAddress)
                case .chacha(let key):
                    swiftlet_chacha20poly1305_seal(key, nonce, aad, aad.count, data.baseAddress, data.count, tag.baseAddress)
                }
            }
        }
        return tag
    }

    /// Checks `tag` and decrypts `ciphertext` in place. On a bad tag (or nonce length) throws
    /// `authenticationFailure` and leaves `ciphertext` zeroed: no unauthenticated plaintext escapes.
    public func open(_ ciphertext: inout [UInt8], tag: [UInt8], nonce: [UInt8],
                     authenticating aad: [UInt8]) throws(CryptoError) {
        guard tag.count == AEADKey.tagByteCount, isValid(nonce: nonce) else {
            for index in ciphertext.indices { ciphertext[index] = 0 }
            throw .authenticationFailure
        }
        let valid = ciphertext.withUnsafeMutableBytes { data in
            switch storage.kind {
            case .gcm(let key):
                return swiftlet_gcm_open(key, nonce, nonce.count, aad, aad.count, data.baseAddress, data.count, tag)
            case .chacha(let key):
                return swiftlet_chacha20poly1305_open(key, nonce, aad, aad.count, data.baseAddress, data.count, tag)
            }
        }
        guard valid == 1 else { throw .authenticationFailure }
    }

    private func isValid(nonce: [UInt8]) -> Bool {
        switch storage.kind {
        case .gcm: return !nonce.isEmpty
        case .chacha: return nonce.count == 12
        }
    }

    /// The expanded key, in memory C can point into; wiped when the last copy goes.
    private final class Storage {
        enum Kind {
            case gcm(UnsafeMutablePointer<swiftlet_gcm_key>)
            case chacha(UnsafeMutablePointer<UInt8>)
        }
        let kind: Kind

        init(_ algorithm: Algorithm, key: [UInt8]) {
            switch algorithm {
            case .aes128GCM, .aes256GCM:
                let expanded = UnsafeMutablePointer<swiftlet_gcm_key>.allocate(capacity: 1)
                expanded.initialize(to: swiftlet_gcm_key())
                _ = swiftlet_gcm_init(expanded, key, key.count)
                kind = .gcm(expanded)
            case .chacha20Poly1305:
                let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)
                bytes.initialize(from: key, count: 32)
                kind = .chacha(bytes)
            }
        }

        deinit {
            switch kind {
            case .gcm(let expanded):
                UnsafeMutableRawPointer(expanded).initializeMemory(
                    as: UInt8.self, repeating: 0, count: MemoryLayout<swiftlet_gcm_key>.size)
                expanded.deallocate()
            case .chacha(let bytes):
                bytes.initialize(repeating: 0, count: 32)
                bytes.deallocate()
            }
        }
    }
}
