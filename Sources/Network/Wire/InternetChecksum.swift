import SwiftletDevices

/// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of
/// 16-bit big-endian words, used by IPv4, ICMP, UDP and TCP.
///
/// ```swift
/// var sum = InternetChecksum()
/// sum.addPseudoHeader(source: a, destination: b, protocol: .tcp, length: segment.count)
/// sum.add(segment)
/// let valid = sum.value == 0   // when `segment` carries its checksum
/// ```
public struct InternetChecksum {
    private var sum: UInt64 = 0
    /// Whether an odd number of bytes has been added, so the next byte is a low half.
    private var odd = false

    /// An empty sum.
    public init() {}

    /// Adds `bytes`; chunks of any length may follow each other.
    public mutating func add(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { raw in add(raw) }
    }

    /// Adds the bytes of `raw`.
    public mutating func add(_ raw: UnsafeRawBufferPointer) {
        var index = 0
        let count = raw.count
        if odd, count > 0 {
            sum &+= UInt64(raw[0])
            index = 1
            odd = false
        }
        // Eight bytes at a time: the sum of big-endian words equals the byte-swapped sum of
        // native words (RFC 1071 §2(B)), so add native 32-bit halves and swap once at the end.
        var wide: UInt64 = 0
        while index + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let (low, high) = (word & 0xFFFF_FFFF, word >> 32)
            wide &+= low &+ high
            index += 8
        }
        // Fold the native-order sum into 16 bits, then swap it to big-endian order.
        while wide >> 16 != 0 { wide = (wide & 0xFFFF) &+ (wide >> 16) }
        sum &+= UInt64(UInt16(truncatingIfNeeded: wide).byteSwapped)
        while index + 2 <= count {
            sum &+= UInt64(raw[index]) << 8 | UInt64(raw[index + 1])
            index += 2
        }
        if index < count {
            sum &+= UInt64(raw[index]) << 8
            odd = true
        }
    }

    /// Adds one big-endian 16-bit word. Only valid at an even byte position.
    public mutating func add(_ word: UInt16) { sum &+= UInt64(word) }

    /// Adds a 32-bit value as two words (an address, in host order).
    public mutating func add(_ value: UInt32) { sum &+= UInt64(value >> 16) &+ UInt64(value & 0xFFFF) }

    /// Adds the IPv4 pseudo-header TCP and UDP checksums cover (RFC 793, RFC 768).
    public mutating func addPseudoHeader(source: IPv4Address, destination: IPv4Address, protocol number: UInt8, length: Int) {
        add(source.value)
        add(destination.value)
        add(UInt16(number))
        add(UInt16(truncatingIfNeeded: length))
    }

    /// The checksum to put in a header: the complement of the folded sum. Over data that
    /// includes a correct checksum it is 0.
    public var value: UInt16 {
        var folded = sum
        while folded >> 16 != 0 { folded = (folded & 0xFFFF) &+ (folded >> 16) }
        return ~UInt16(truncatingIfNeeded: folded)
    }

    /// The checksum of `bytes` alone.
    public static func of(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var sum = InternetChecksum()
        sum.add(bytes)
        return sum.value
    }
}
