import SwiftletDevices

/// The protocol an IPv4 packet carries (its Protocol field, IANA numbers).
///
/// ```swift
/// switch header.nextProtocol { case .tcp: ...; case .udp: ...; default: break }
/// ```
public struct IPProtocol: RawRepresentable, Hashable, Sendable {
    /// The 8-bit protocol number.
    public var rawValue: UInt8

    /// Wraps any protocol number, known to this stack or not.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// ICMP (1).
    public static let icmp = IPProtocol(rawValue: 1)
    /// TCP (6).
    public static let tcp = IPProtocol(rawValue: 6)
    /// UDP (17).
    public static let udp = IPProtocol(rawValue: 17)
}

/// An IPv4 header (RFC 791). Options are skipped when parsed and never emitted.
///
/// ```swift
/// let (header, payload) = try IPv4Header.parse(ethernetPayload)
/// var packet: [UInt8] = []
/// IPv4Header(source: me, destination: header.source, nextProtocol: .udp,
///            payloadLength: datagram.count).emit(into: &packet)
/// packet += datagram
/// ```
public struct IPv4Header: Equatable, Sendable {
    /// The Type of Service byte (DSCP and ECN), passed through untouched.
    public var typeOfService: UInt8
    /// The Identification field that groups the fragments of one datagram.
    public var identification: UInt16
    /// The DF flag: routers must not fragment this packet.
    public var dontFragment: Bool
    /// The MF flag: more fragments of this datagram follow.
    public var moreFragments: Bool
    /// Where this fragment's data starts in the datagram, in bytes (the wire value times 8).
    public var fragmentOffset: Int
    /// Hops left.
    public var timeToLive: UInt8
    /// What the payload is.
    public var nextProtocol: IPProtocol
    /// The sender's address.
    public var source: IPv4Address
    /// The receiver's address.
    public var destination: IPv4Address
    /// Bytes in the header: options included when parsed, 20 for a header to emit.
    public var headerLength: Int
    /// Bytes in the packet, header and payload.
    public var totalLength: Int

    /// Bytes in a header without options.
    public static let minimumLength = 20

    /// Creates a header without options for a payload of `payloadLength` bytes.
    public init(source: IPv4Address, destination: IPv4Address, nextProtocol: IPProtocol, payloadLength: Int,
                identification: UInt16 = 0, timeToLive: UInt8 = 64, dontFragment: Bool = true) {
        typeOfService = 0
        self.identification = identification
        self.dontFragment = dontFragment
        moreFragments = false
        fragmentOffset = 0
        self.timeToLive = timeToLive
        self.nextProtocol = nextProtocol
        self.source = source
        self.destination = destination
        headerLength = Self.minimumLength
        totalLength = Self.minimumLength + payloadLength
    }

    /// Whether this packet is a fragment of a larger datagram.
    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    /// Reads and checks the header at the start of `bytes`.
    ///
    /// The payload ends where the Total Length field says: bytes after it (Ethernet padding)
    /// are not part of it. Throws `.truncated` if `bytes` is shorter than the header or than
    /// Total Length, `.badVersion` unless the version is 4, `.badLength` if the header length
    /// is below 20 or Total Length below the header length, and `.badChecksum` if the header
    /// checksum is wrong.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(WireError) -> (header: IPv4Header, payload: ArraySlice<UInt8>) {
        guard bytes.count >= minimumLength else { throw .truncated }
        let versionAndLength = bytes.wireUInt8(at: 0)
        guard versionAndLength >> 4 == 4 else { throw .badVersion }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard headerLength >= minimumLength else { throw .badLength }
        guard headerLength <= bytes.count else { throw .truncated }
        let totalLength = Int(bytes.wireUInt16(at: 2))
        guard totalLength >= headerLength else { throw .badLength }
        guard totalLength <= bytes.count else { throw .truncated }
        let start = bytes.startIndex
        guard InternetChecksum.of(bytes[start..<(start + headerLength)]) == 0 else { throw .badChecksum }

        let fragment = bytes.wireUInt16(at: 6)
        var header = IPv4Header(
            source: bytes.wireIPv4Address(at: 12), destination: bytes.wireIPv4Address(at: 16),
            nextProtocol: IPProtocol(rawValue: bytes.wireUInt8(at: 9)), payloadLength: 0,
            identification: bytes.wireUInt16(at: 4), timeToLive: bytes.wireUInt8(at: 8),
            dontFragment: fragment & 0x4000 != 0)
        header.typeOfService = bytes.wireUInt8(at: 1)
        header.moreFragments = fragment & 0x2000 != 0
        header.fragmentOffset = Int(fragment & 0x1FFF) * 8
        header.headerLength = headerLength
        header.totalLength = totalLength
        return (header, bytes[(start + headerLength)..<(start + totalLength)])
    }

    /// Appends a 20-byte header, without options, with its checksum.
    ///
    /// The Total Length written is 20 plus the payload length (`totalLength - headerLength`),
    /// so a parsed header with options re-emits consistently without them.
    public func emit(into buffer: inout [UInt8]) {
        let start = buffer.count
        let payloadLength = totalLength &- headerLength
        buffer.append(0x45)
        buffer.append(typeOfService)
        buffer.appendWire(UInt16(truncatingIfNeeded: Self.minimumLength &+ payloadLength))
        buffer.appendWire(identification)
        var fragment = UInt16(truncatingIfNeeded: fragmentOffset >> 3) & 0x1FFF
        if dontFragment { fragment |= 0x4000 }
        if moreFragments { fragment |= 0x2000 }
        buffer.appendWire(fragment)
        buffer.append(timeToLive)
        buffer.append(nextProtocol.rawValue)
        buffer.appendWire(UInt16(0))
        buffer.appendWire(source)
        buffer.appendWire(destination)
        buffer.storeWire(InternetChecksum.of(buffer[start...]), at: start + 10)
    }
}
