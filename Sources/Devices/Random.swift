/// A source of cryptographically strong random bytes (MirageOS's `Mirage_random.S`).
///
/// Every random device is a `RandomNumberGenerator`, so the standard library's APIs work:
/// ```swift
/// var random = self.random
/// let port = UInt16.random(in: 49152...65535, using: &random)
/// ```
public protocol RandomDevice: RandomNumberGenerator {
    /// Fills `bytes` with random bytes.
    mutating func fill(_ bytes: inout [UInt8])
}

extension RandomDevice {
    /// `count` fresh random bytes.
    public mutating func bytes(count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        fill(&buffer)
        return buffer
    }
}
