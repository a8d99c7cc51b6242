import SwiftletDevices

/// The protocol an Ethernet frame carries, from its EtherType field (IEEE 802.3).
///
/// ```swift
/// if header.etherType == .arp { ... }
/// ```
public struct EtherType: RawRepresentable, Hashable, Sendable {
    /// The 16-bit EtherType value.
    public var rawValue: UInt16

    /// Wraps any EtherType value, known to this stack or not.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// IPv4 (0x0800).
    public static let ipv4 = EtherType(rawValue: 0x0800)
    /// ARP (0x0806).
    public static let arp = EtherType(rawValue: 0x0806)
}

/// The 14-byte header of an Ethernet II frame. VLAN tags are not interpreted: a tagged frame
/// parses with EtherType 0x8100.
///
/// ```swift
/// let (header, payload) = try EthernetHeader.parse(frame[...])
/// var reply: [UInt8] = []
/// EthernetHeader(destination: header.source, source: myMAC, etherType: .arp).emit(into: &reply)
/// ```
public struct EthernetHeader: Equatable, Sendable {
    /// The receiver's hardware address.
    public var destination: MACAddress
    /// The sender's hardware address.
    public var source: MACAddress
    /// What the payload is.
    public var etherType: EtherType

    /// Bytes in the header.
    public static let length = 14

    /// Creates a header.
    public init(destination: MACAddress, source: MACAddress, etherType: EtherType) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
    }

    /// Reads the header at the start of `frame`; the payload is the rest of the frame, padding
    /// included (the IPv4 parser drops it using its own length field).
    ///
    /// Throws `.truncated` if `frame` is shorter than 14 bytes.
    public static func parse(_ frame: ArraySlice<UInt8>) throws(WireError) -> (header: EthernetHeader, payload: ArraySlice<UInt8>) {
        guard frame.count >= length else { throw .truncated }
        let header = EthernetHeader(
            destination: frame.wireMACAddress(at: 0),
            source: frame.wireMACAddress(at: 6),
            etherType: EtherType(rawValue: frame.wireUInt16(at: 12)))
        return (header, frame[(frame.startIndex + length)...])
    }

    /// Appends the 14 header bytes to `buffer`.
    public func emit(into buffer: inout [UInt8]) {
        buffer.appendWire(destination)
        buffer.appendWire(source)
        buffer.appendWire(etherType.rawValue)
    }
}

// Field access shared by the wire formats. Offsets are relative to the slice's start (slices
// keep their base array's indices); callers check the length first, so the subscripts'
// bounds checks never fire on any input.
extension ArraySlice where Element == UInt8 {
    /// The byte `offset` bytes into the slice.
    @inline(__always)
    func wireUInt8(at offset: Int) -> UInt8 { self[startIndex + offset] }

    /// The big-endian 16-bit field `offset` bytes into the slice.
    @inline(__always)
    func wireUInt16(at offset: Int) -> UInt16 {
        let index = startIndex + offset
        return UInt16(self[index]) << 8 | UInt16(self[index + 1])
    }

    /// The big-endian 32-bit field `offset` bytes into the slice.
    @inline(__always)
    func wireUInt32(at offset: Int) -> UInt32 {
        let index = startIndex + offset
        return UInt32(self[index]) << 24 | UInt32(self[index + 1]) << 16
            | UInt32(self[index + 2]) << 8 | UInt32(self[index + 3])
    }

    /// The hardware address `offset` bytes into the slice.
    @inline(__always)
    func wireMACAddress(at offset: Int) -> MACAddress {
        let index = startIndex + offset
        return MACAddress(self[index], self[index + 1], self[index + 2],
                          self[index + 3], self[index + 4], self[index + 5])
    }

    /// The IPv4 address `offset` bytes into the slice.
    @inline(__always)
    func wireIPv4Address(at offset: Int) -> IPv4Address { IPv4Address(wireUInt32(at: offset)) }
}

extension Array where Element == UInt8 {
    /// Appends `value` in network byte order.
    @inline(__always)
    mutating func appendWire(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends `value` in network byte order.
    @inline(__always)
    mutating func appendWire(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends the six octets of `address`.
    @inline(__always)
    mutating func appendWire(_ address: MACAddress) {
        let octets = address.octets
        append(octets.0); append(octets.1); append(octets.2)
        append(octets.3); append(octets.4); append(octets.5)
    }

    /// Appends the four octets of `address`.
    @inline(__always)
    mutating func appendWire(_ address: IPv4Address) { appendWire(address.value) }

    /// Overwrites the big-endian 16-bit field at absolute index `index` (a checksum filled in
    /// after the bytes it covers were appended).
    @inline(__always)
    mutating func storeWire(_ value: UInt16, at index: Int) {
        self[index] = UInt8(truncatingIfNeeded: value >> 8)
        self[index + 1] = UInt8(truncatingIfNeeded: value)
    }
}
