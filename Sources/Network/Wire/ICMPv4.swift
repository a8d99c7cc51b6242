import SwiftletDevices

/// The 8-byte header of an ICMP message (RFC 792); what follows it is the payload (echo data,
/// or the start of the packet an error is about).
///
/// ```swift
/// let (message, data) = try ICMPv4Message.parse(ipPayload)
/// if message.type == ICMPv4Message.echoRequest {
///     ICMPv4Message(type: ICMPv4Message.echoReply, code: 0, rest: message.rest)
///         .emit(payload: data, into: &reply)
/// }
/// ```
public struct ICMPv4Message: Equatable, Sendable {
    /// The message type (`echoRequest`, `destinationUnreachable`...).
    public var type: UInt8
    /// The subtype (for destination unreachable, 3 is port unreachable).
    public var code: UInt8
    /// Header bytes 4 to 7, whose meaning depends on the type (identifier and sequence
    /// number for echo, unused or next-hop MTU for errors).
    public var rest: UInt32

    /// Echo reply (type 0).
    public static let echoReply: UInt8 = 0
    /// Destination unreachable (type 3).
    public static let destinationUnreachable: UInt8 = 3
    /// Echo request (type 8).
    public static let echoRequest: UInt8 = 8
    /// Time exceeded (type 11).
    public static let timeExceeded: UInt8 = 11

    /// Bytes in the header.
    public static let headerLength = 8

    /// Creates a message header.
    public init(type: UInt8, code: UInt8, rest: UInt32 = 0) {
        self.type = type
        self.code = code
        self.rest = rest
    }

    /// The echo identifier: the high half of `rest`.
    public var identifier: UInt16 { UInt16(truncatingIfNeeded: rest >> 16) }

    /// The echo sequence number: the low half of `rest`.
    public var sequenceNumber: UInt16 { UInt16(truncatingIfNeeded: rest) }

    /// Reads a message; the checksum covers all of `bytes`, so pass exactly the IP payload.
    ///
    /// Throws `.truncated` below 8 bytes and `.badChecksum` if the checksum is wrong.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(WireError) -> (message: ICMPv4Message, payload: ArraySlice<UInt8>) {
        guard bytes.count >= headerLength else { throw .truncated }
        guard InternetChecksum.of(bytes) == 0 else { throw .badChecksum }
        let message = ICMPv4Message(type: bytes.wireUInt8(at: 0), code: bytes.wireUInt8(at: 1), rest: bytes.wireUInt32(at: 4))
        return (message, bytes[(bytes.startIndex + headerLength)...])
    }

    /// Appends the header and `payload` to `buffer`, with the checksum over both.
    public func emit(payload: ArraySlice<UInt8>, into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(type)
        buffer.append(code)
        buffer.appendWire(UInt16(0))
        buffer.appendWire(rest)
        buffer.append(contentsOf: payload)
        buffer.storeWire(InternetChecksum.of(buffer[start...]), at: start + 2)
    }
}
