/// A TCP sequence number: 32 bits that wrap, compared within half the number space
/// (RFC 9293 §3.4), so `a < b` means "a comes before b".
public struct SequenceNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number as it travels in a segment header.
    public var rawValue: UInt32

    /// Wraps a header value.
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// The number `count` bytes later (or earlier, when negative).
    public static func + (lhs: Self, rhs: Int) -> Self {
        Self(lhs.rawValue &+ UInt32(truncatingIfNeeded: rhs))
    }

    /// The number `count` bytes earlier.
    public static func - (lhs: Self, rhs: Int) -> Self { lhs + (0 &- rhs) }

    /// The signed distance from `rhs` to `lhs`.
    public static func - (lhs: Self, rhs: Self) -> Int {
        Int(Int32(bitPattern: lhs.rawValue &- rhs.rawValue))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs - rhs < 0 }

    public static func += (lhs: inout Self, rhs: Int) { lhs = lhs + rhs }

    public var description: String { String(rawValue) }
}
