import SwiftletDevices

/// The 8-byte header of a UDP datagram (RFC 768). Length and checksum are not stored: they
/// are checked when parsed and computed when emitted.
///
/// ```swift
/// let (header, data) = try UDPHeader.parse(ipPayload, source: ip.source, destination: ip.destination)
/// UDPHeader(sourcePort: 53, destinationPort: header.sourcePort)
///     .emit(payload: answer[...], source: me, destination: ip.source, into: &packet)
/// ```
public struct UDPHeader: Equatable, Sendable {
    /// The sender's port.
    public var sourcePort: UInt16
    /// The receiver's port.
    public var destinationPort: UInt16

    /// Bytes in the header.
    public static let length = 8

    /// Creates a header.
    public init(sourcePort: UInt16, destinationPort: UInt16) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }

    /// Reads and checks a datagram; `source` and `destination` are the IP addresses its
    /// checksum covers. The payload ends where the Length field says.
    ///
    /// Throws `.truncated` if `bytes` is shorter than 8 or than the Length field,
    /// `.badLength` if the Length field is below 8, and `.badChecksum` if the checksum is
    /// neither 0 (not computed by the sender) nor correct.
    public static func parse(_ bytes: ArraySlice<UInt8>, source: IPv4Address, destination: IPv4Address) throws(WireError) -> (header: UDPHeader, payload: ArraySlice<UInt8>) {
        guard bytes.count >= length else { throw .truncated }
        let datagramLength = Int(bytes.wireUInt16(at: 4))
        guard datagramLength >= length else { throw .badLength }
        guard datagramLength <= bytes.count else { throw .truncated }
        let start = bytes.startIndex
        let datagram = bytes[start..<(start + datagramLength)]
        if bytes.wireUInt16(at: 6) != 0 {
            var sum = InternetChecksum()
            sum.addPseudoHeader(source: source, destination: destination, protocol: IPProtocol.udp.rawValue, length: datagramLength)
            sum.add(datagram)
            guard sum.value == 0 else { throw .badChecksum }
        }
        let header = UDPHeader(sourcePort: bytes.wireUInt16(at: 0), destinationPort: bytes.wireUInt16(at: 2))
        return (header, datagram[(start + length)...])
    }

    /// Appends the header and `payload` to `buffer`, with the checksum over the pseudo-header,
    /// header and payload (a computed 0 is sent as 0xFFFF, since 0 means "none").
    public func emit(payload: ArraySlice<UInt8>, source: IPv4Address, destination: IPv4Address, into buffer: inout [UInt8]) {
        let start = buffer.count
        let datagramLength = Self.length &+ payload.count
        buffer.appendWire(sourcePort)
        buffer.appendWire(destinationPort)
        buffer.appendWire(UInt16(truncatingIfNeeded: datagramLength))
        buffer.appendWire(UInt16(0))
        buffer.append(contentsOf: payload)
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocol: IPProtocol.udp.rawValue, length: datagramLength)
        sum.add(buffer[start...])
        let checksum = sum.value
        buffer.storeWire(checksum == 0 ? 0xFFFF : checksum, at: start + 6)
    }
}
