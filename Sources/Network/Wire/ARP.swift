import SwiftletDevices

/// An ARP packet for IPv4 over Ethernet (RFC 826), the only kind this stack speaks.
///
/// ```swift
/// let request = try ARPPacket.parse(payload)
/// if request.operation == .request, request.targetIP == myIP {
///     let reply = ARPPacket(operation: .reply, senderMAC: myMAC, senderIP: myIP,
///                           targetMAC: request.senderMAC, targetIP: request.senderIP)
///     reply.emit(into: &frame)
/// }
/// ```
public struct ARPPacket: Equatable, Sendable {
    /// What the packet asks or answers.
    public enum Operation: UInt16, Sendable {
        /// Who has `targetIP`? Tell `senderIP`.
        case request = 1
        /// `senderIP` is at `senderMAC`.
        case reply = 2
    }

    /// Request or reply.
    public var operation: Operation
    /// The sender's hardware address.
    public var senderMAC: MACAddress
    /// The sender's IPv4 address.
    public var senderIP: IPv4Address
    /// The target's hardware address (all zeros in a request).
    public var targetMAC: MACAddress
    /// The target's IPv4 address.
    public var targetIP: IPv4Address

    /// Bytes in an Ethernet/IPv4 ARP packet.
    public static let length = 28

    /// Creates a packet.
    public init(operation: Operation, senderMAC: MACAddress, senderIP: IPv4Address, targetMAC: MACAddress, targetIP: IPv4Address) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// Reads a packet; bytes after the 28 (Ethernet minimum-frame padding) are ignored.
    ///
    /// Throws `.truncated` below 28 bytes, and `.unsupported` unless the hardware type is
    /// Ethernet (1) with 6-byte addresses, the protocol IPv4 (0x0800) with 4-byte addresses,
    /// and the operation a request or a reply.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(WireError) -> ARPPacket {
        guard bytes.count >= length else { throw .truncated }
        guard bytes.wireUInt16(at: 0) == 1, bytes.wireUInt16(at: 2) == EtherType.ipv4.rawValue,
              bytes.wireUInt8(at: 4) == 6, bytes.wireUInt8(at: 5) == 4,
              let operation = Operation(rawValue: bytes.wireUInt16(at: 6)) else { throw .unsupported }
        return ARPPacket(
            operation: operation,
            senderMAC: bytes.wireMACAddress(at: 8),
            senderIP: bytes.wireIPv4Address(at: 14),
            targetMAC: bytes.wireMACAddress(at: 18),
            targetIP: bytes.wireIPv4Address(at: 24))
    }

    /// Appends the 28 packet bytes to `buffer`.
    public func emit(into buffer: inout [UInt8]) {
        buffer.appendWire(UInt16(1))
        buffer.appendWire(EtherType.ipv4.rawValue)
        buffer.append(6)
        buffer.append(4)
        buffer.appendWire(operation.rawValue)
        buffer.appendWire(senderMAC)
        buffer.appendWire(senderIP)
        buffer.appendWire(targetMAC)
        buffer.appendWire(targetIP)
    }
}
