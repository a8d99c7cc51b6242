import CBearSSL

/// A cryptographic hash function, fed in pieces (as swift-crypto's `HashFunction`).
///
/// ```swift
/// var hash = SHA256()
/// hash.update(data: header)
/// hash.update(data: body)
/// let digest = hash.finalize()   // hashing may continue: TLS transcripts hash their prefixes
/// ```
public protocol HashFunction {
    /// The digest's length in bytes.
    static var byteCount: Int { get }
    /// The length in bytes of the blocks the function works on (HMAC pads keys to it).
    static var blockByteCount: Int { get }
    /// A hash of nothing yet.
    init()
    /// Adds `data` to what is hashed.
    mutating func update(data: [UInt8])
    /// Adds the bytes of `bytes` to what is hashed.
    mutating func update(bytes: UnsafeRawBufferPointer)
    /// The digest of everything added so far; the state is unchanged, so hashing can continue.
    func finalize() -> [UInt8]
}

extension HashFunction {
    /// The digest of `data`.
    public static func hash(data: [UInt8]) -> [UInt8] {
        var function = Self()
        function.update(data: data)
        return function.finalize()
    }

    public mutating func update(data: [UInt8]) {
        data.withUnsafeBytes { update(bytes: $0) }
    }
}

/// BearSSL's number for `H`, for the code that needs to name the hash to C (RSA DigestInfo,
/// RFC 6979's HMAC); nil for a hash function other than this module's.
func bearSSLHash<H: HashFunction>(_: H.Type) -> Int32? {
    switch (H.byteCount, H.blockByteCount) {
    case (20, 64): return Int32(SWIFTLET_HASH_SHA1)
    case (32, 64): return Int32(SWIFTLET_HASH_SHA256)
    case (48, 128): return Int32(SWIFTLET_HASH_SHA384)
    case (64, 128): return Int32(SWIFTLET_HASH_SHA512)
    default: return nil
    }
}
