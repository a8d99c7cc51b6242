/// A secret key for a symmetric algorithm (HMAC, HKDF, AES-GCM, ChaCha20-Poly1305).
public struct SymmetricKey: Sendable {
    /// The key's bytes.
    public let bytes: [UInt8]

    /// A key made of `data`.
    public init(data: [UInt8]) { bytes = data }

    /// A fresh key of `bitCount` bits (a multiple of 8) from `generator`.
    public init<R: RandomNumberGenerator>(bitCount: Int, using generator: inout R) {
        bytes = randomBytes(count: bitCount / 8, using: &generator)
    }

    /// The key's length in bits.
    public var bitCount: Int { bytes.count * 8 }
}

/// `count` bytes from `generator`, eight at a time.
func randomBytes<R: RandomNumberGenerator>(count: Int, using generator: inout R) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count + 8)
    while bytes.count < count {
        var word = generator.next()
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: word))
            word >>= 8
        }
    }
    bytes.removeLast(bytes.count - count)
    return bytes
}
