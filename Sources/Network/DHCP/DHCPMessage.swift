import SwiftletDevices

/// A DHCPv4 message (RFC 2131 §2): the fixed BOOTP part and the options this stack uses
/// (RFC 2132), over Ethernet hardware addresses only.
///
/// ```swift
/// var discover = DHCPMessage(operation: .request, transactionID: 0x3903_F326,
///                            clientHardwareAddress: mac, messageType: .discover)
/// discover.parameterRequestList = [1, 3, 6]
/// var bytes: [UInt8] = []
/// discover.emit(into: &bytes)                     // at least 300 bytes
/// let reply = try DHCPMessage.parse(received[...])
/// ```
///
/// Parsing never traps: any input either yields a message or throws a `WireError`.
public struct DHCPMessage: Equatable, Sendable {
    /// The BOOTP `op` field: who sent the message.
    public enum Operation: UInt8, Sendable {
        /// BOOTREQUEST, from a client.
        case request = 1
        /// BOOTREPLY, from a server.
        case reply = 2
    }

    /// The DHCP message type (option 53).
    public enum MessageType: UInt8, Sendable {
        /// A client looks for servers.
        case discover = 1
        /// A server offers an address.
        case offer
        /// A client asks for an offered address, or to extend its lease.
        case request
        /// A client found the address already in use.
        case decline
        /// A server grants the lease.
        case ack
        /// A server refuses the request.
        case nak
        /// A client gives its address back.
        case release
        /// A client asks for configuration only, having an address already.
        case inform
    }

    /// Who sent the message (`op`).
    public var operation: Operation
    /// Matches replies to requests (`xid`).
    public var transactionID: UInt32
    /// Seconds since the client began acquiring or renewing (`secs`).
    public var secondsElapsed: UInt16
    /// The client cannot receive unicast before it is configured: reply by broadcast (flags bit 15).
    public var broadcast: Bool
    /// The client's current address, when it has one (`ciaddr`).
    public var clientAddress: IPv4Address
    /// The address the server offers or grants (`yiaddr`).
    public var yourAddress: IPv4Address
    /// The next server in the boot process (`siaddr`).
    public var serverAddress: IPv4Address
    /// The relay agent the message passed through (`giaddr`).
    public var relayAddress: IPv4Address
    /// The client's Ethernet address (`chaddr`, with `htype` 1 and `hlen` 6).
    public var clientHardwareAddress: MACAddress

    /// Option 53; `nil` for a plain BOOTP message.
    public var messageType: MessageType?
    /// Option 54: the server that sent an offer, or that the client chose.
    public var serverIdentifier: IPv4Address?
    /// Option 50: the address the client asks for.
    public var requestedAddress: IPv4Address?
    /// Option 51: the lease duration in seconds; `0xFFFF_FFFF` means infinite.
    public var leaseTime: UInt32?
    /// Option 58: seconds until the client should renew (T1).
    public var renewalTime: UInt32?
    /// Option 59: seconds until the client should rebind (T2).
    public var rebindingTime: UInt32?
    /// Option 1: the subnet mask of the offered address.
    public var subnetMask: IPv4Address?
    /// Option 3: routers on the client's subnet, in order of preference.
    public var routers: [IPv4Address]
    /// Option 6: DNS servers, in order of preference.
    public var dnsServers: [IPv4Address]
    /// Option 55: the option codes the client wants in the reply.
    public var parameterRequestList: [UInt8]
    /// Option 12: the client's host name. Parsed bytes are decoded as UTF-8, invalid
    /// sequences replaced.
    public var hostName: String?
    /// Option 61: how the server identifies the client (type byte, then the identifier).
    public var clientIdentifier: [UInt8]?
    /// Option 57: the largest DHCP message the sender accepts, in bytes.
    public var maximumMessageSize: UInt16?
    /// Option 26: the MTU of the client's interface (1460 on Google Compute Engine).
    public var interfaceMTU: UInt16?
    /// Option 121 (RFC 3442): classless static routes; when given, the client ignores option 3.
    /// A malformed option is dropped as a whole (`[]`), as if it were absent.
    public var classlessStaticRoutes: [IPv4Route]

    /// A message with the given header fields; every other field zero, `nil` or empty.
    public init(operation: Operation, transactionID: UInt32, clientHardwareAddress: MACAddress, messageType: MessageType?) {
        self.operation = operation
        self.transactionID = transactionID
        secondsElapsed = 0
        broadcast = false
        clientAddress = .any
        yourAddress = .any
        serverAddress = .any
        relayAddress = .any
        self.clientHardwareAddress = clientHardwareAddress
        self.messageType = messageType
        serverIdentifier = nil
        requestedAddress = nil
        leaseTime = nil
        renewalTime = nil
        rebindingTime = nil
        subnetMask = nil
        routers = []
        dnsServers = []
        parameterRequestList = []
        hostName = nil
        clientIdentifier = nil
        maximumMessageSize = nil
        interfaceMTU = nil
        classlessStaticRoutes = []
    }

    /// The UDP port servers listen on.
    public static let serverPort: UInt16 = 67
    /// The UDP port clients listen on.
    public static let clientPort: UInt16 = 68

    /// Parses a message: the 236-byte BOOTP part, the magic cookie 99.130.83.99, then options.
    ///
    /// Pad options are skipped and the end option stops the scan; unknown options are
    /// skipped. An option given in several pieces is the concatenation of the pieces
    /// (RFC 3396). Option overload (52) adds the `file` then `sname` fields as option areas.
    ///
    /// - Throws: `.truncated` if shorter than 240 bytes; `.unsupported` for an unknown `op`,
    ///   hardware other than Ethernet, a wrong magic cookie or an unknown message type;
    ///   `.badOptions` if an option runs past its area or a known option has the wrong length.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(WireError) -> DHCPMessage {
        guard bytes.count >= Layout.optionsStart else { throw .truncated }
        let base = bytes.startIndex
        // Only called with offsets below `Layout.optionsStart`, which the guard above covers.
        func byte(_ offset: Int) -> UInt8 { bytes[base + offset] }
        func word(_ offset: Int) -> UInt32 {
            UInt32(byte(offset)) << 24 | UInt32(byte(offset + 1)) << 16 | UInt32(byte(offset + 2)) << 8 | UInt32(byte(offset + 3))
        }

        guard let operation = Operation(rawValue: byte(Layout.operation)) else { throw .unsupported }
        guard byte(Layout.hardwareType) == 1, byte(Layout.hardwareLength) == 6 else { throw .unsupported }
        guard word(Layout.cookie) == magicCookie else { throw .unsupported }
        let c = Layout.clientHardwareAddress
        let mac = MACAddress(byte(c), byte(c + 1), byte(c + 2), byte(c + 3), byte(c + 4), byte(c + 5))

        var message = DHCPMessage(operation: operation, transactionID: word(Layout.transactionID),
                                  clientHardwareAddress: mac, messageType: nil)
        message.secondsElapsed = UInt16(byte(Layout.seconds)) << 8 | UInt16(byte(Layout.seconds + 1))
        message.broadcast = byte(Layout.flags) & 0x80 != 0
        message.clientAddress = IPv4Address(word(Layout.clientAddress))
        message.yourAddress = IPv4Address(word(Layout.yourAddress))
        message.serverAddress = IPv4Address(word(Layout.serverAddress))
        message.relayAddress = IPv4Address(word(Layout.relayAddress))

        var options = OptionAreas(bytes: bytes)
        try options.scan(from: base + Layout.optionsStart, to: bytes.endIndex)
        if let overload = options.value(OptionCode.overload) {
            guard overload.count == 1, (1...3).contains(overload[0]) else { throw .badOptions }
            // RFC 3396 §5: the options field, then `file`, then `sname`.
            if overload[0] & 1 != 0 {
                try options.scan(from: base + Layout.file, to: base + Layout.file + Layout.fileLength)
            }
            if overload[0] & 2 != 0 {
                try options.scan(from: base + Layout.serverName, to: base + Layout.serverName + Layout.serverNameLength)
            }
        }

        if let type = options.value(OptionCode.messageType) {
            guard type.count == 1 else { throw .badOptions }
            guard let known = MessageType(rawValue: type[0]) else { throw .unsupported }
            message.messageType = known
        }
        message.serverIdentifier = try options.address(OptionCode.serverIdentifier)
        message.requestedAddress = try options.address(OptionCode.requestedAddress)
        message.subnetMask = try options.address(OptionCode.subnetMask)
        message.leaseTime = try options.seconds(OptionCode.leaseTime)
        message.renewalTime = try options.seconds(OptionCode.renewalTime)
        message.rebindingTime = try options.seconds(OptionCode.rebindingTime)
        message.routers = try options.addresses(OptionCode.routers)
        message.dnsServers = try options.addresses(OptionCode.dnsServers)
        message.parameterRequestList = options.value(OptionCode.parameterRequestList) ?? []
        if let name = options.value(OptionCode.hostName) {
            message.hostName = String(decoding: name, as: UTF8.self)
        }
        message.clientIdentifier = options.value(OptionCode.clientIdentifier)
        if let size = options.value(OptionCode.maximumMessageSize) {
            guard size.count == 2 else { throw .badOptions }
            message.maximumMessageSize = UInt16(size[0]) << 8 | UInt16(size[1])
        }
        if let mtu = options.value(OptionCode.interfaceMTU) {
            guard mtu.count == 2 else { throw .badOptions }
            message.interfaceMTU = UInt16(mtu[0]) << 8 | UInt16(mtu[1])
        }
        if let routes = options.value(OptionCode.classlessStaticRoutes) {
            message.classlessStaticRoutes = Self.parseRoutes(routes) ?? []
        }
        return message
    }

    /// RFC 3442 §2: each route is its prefix length, the prefix's significant octets (as
    /// many as the length needs), then the router. `nil` if the bytes do not divide so.
    static func parseRoutes(_ bytes: [UInt8]) -> [IPv4Route]? {
        var routes: [IPv4Route] = []
        var index = 0
        while index < bytes.count {
            let width = Int(bytes[index])
            guard width <= 32 else { return nil }
            let significant = (width + 7) / 8
            guard bytes.count - (index + 1) >= significant + 4 else { return nil }
            var network: UInt32 = 0
            for octet in 0..<significant { network |= UInt32(bytes[index + 1 + octet]) << (24 - 8 * octet) }
            let r = index + 1 + significant
            let router = IPv4Address(bytes[r], bytes[r + 1], bytes[r + 2], bytes[r + 3])
            guard let prefix = IPv4Prefix(address: IPv4Address(network), length: width) else { return nil }
            routes.append(IPv4Route(destination: prefix, router: router))
            index = r + 4
        }
        return routes
    }

    static func emitRoutes(_ routes: [IPv4Route]) -> [UInt8] {
        var bytes: [UInt8] = []
        for route in routes {
            let width = route.destination.length
            bytes.append(UInt8(truncatingIfNeeded: width))
            let network = Self.bytes(route.destination.network.value)
            bytes.append(contentsOf: network.prefix((width + 7) / 8))
            bytes.append(contentsOf: Self.bytes(route.router.value))
        }
        return bytes
    }

    /// Appends the message to `buffer`: the BOOTP part, the magic cookie, the options that are
    /// set, the end option, and zeros up to the BOOTP minimum of 300 bytes. Options longer than
    /// 255 bytes are split into several pieces (RFC 3396).
    public func emit(into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.reserveCapacity(start + Layout.minimumLength)
        buffer.append(operation.rawValue)
        buffer.append(1)   // htype: Ethernet
        buffer.append(6)   // hlen
        buffer.append(0)   // hops
        Self.append(transactionID, to: &buffer)
        buffer.append(UInt8(truncatingIfNeeded: secondsElapsed >> 8))
        buffer.append(UInt8(truncatingIfNeeded: secondsElapsed))
        buffer.append(broadcast ? 0x80 : 0)
        buffer.append(0)
        for address in [clientAddress, yourAddress, serverAddress, relayAddress] {
            Self.append(address.value, to: &buffer)
        }
        buffer.append(contentsOf: clientHardwareAddress.bytes)
        // The rest of chaddr, sname and file.
        buffer.append(contentsOf: repeatElement(0, count: Layout.cookie - Layout.clientHardwareAddress - 6))
        Self.append(Self.magicCookie, to: &buffer)

        // The message type first: some servers look for it there.
        if let messageType { Self.appendOption(OptionCode.messageType, [messageType.rawValue], to: &buffer) }
        if let clientIdentifier { Self.appendOption(OptionCode.clientIdentifier, clientIdentifier, to: &buffer) }
        if let maximumMessageSize {
            Self.appendOption(OptionCode.maximumMessageSize,
                              [UInt8(truncatingIfNeeded: maximumMessageSize >> 8), UInt8(truncatingIfNeeded: maximumMessageSize)],
                              to: &buffer)
        }
        if let requestedAddress { Self.appendOption(OptionCode.requestedAddress, Self.bytes(requestedAddress.value), to: &buffer) }
        if let serverIdentifier { Self.appendOption(OptionCode.serverIdentifier, Self.bytes(serverIdentifier.value), to: &buffer) }
        if let leaseTime { Self.appendOption(OptionCode.leaseTime, Self.bytes(leaseTime), to: &buffer) }
        if let renewalTime { Self.appendOption(OptionCode.renewalTime, Self.bytes(renewalTime), to: &buffer) }
        if let rebindingTime { Self.appendOption(OptionCode.rebindingTime, Self.bytes(rebindingTime), to: &buffer) }
        if let subnetMask { Self.appendOption(OptionCode.subnetMask, Self.bytes(subnetMask.value), to: &buffer) }
        if !routers.isEmpty { Self.appendOption(OptionCode.routers, Self.bytes(routers), to: &buffer) }
        if !dnsServers.isEmpty { Self.appendOption(OptionCode.dnsServers, Self.bytes(dnsServers), to: &buffer) }
        if let hostName { Self.appendOption(OptionCode.hostName, Array(hostName.utf8), to: &buffer) }
        if let interfaceMTU {
            Self.appendOption(OptionCode.interfaceMTU,
                              [UInt8(truncatingIfNeeded: interfaceMTU >> 8), UInt8(truncatingIfNeeded: interfaceMTU)], to: &buffer)
        }
        if !classlessStaticRoutes.isEmpty {
            Self.appendOption(OptionCode.classlessStaticRoutes, Self.emitRoutes(classlessStaticRoutes), to: &buffer)
        }
        if !parameterRequestList.isEmpty {
            Self.appendOption(OptionCode.parameterRequestList, parameterRequestList, to: &buffer)
        }
        buffer.append(OptionCode.end)
        let length = buffer.count - start
        if length < Layout.minimumLength {
            buffer.append(contentsOf: repeatElement(0, count: Layout.minimumLength - length))
        }
    }

    /// 99.130.83.99: marks the start of DHCP options (RFC 2131 §3).
    static let magicCookie: UInt32 = 0x6382_5363

    /// Offsets of the fixed fields (RFC 2131 §2, figure 1).
    enum Layout {
        static let operation = 0
        static let hardwareType = 1
        static let hardwareLength = 2
        static let transactionID = 4
        static let seconds = 8
        static let flags = 10
        static let clientAddress = 12
        static let yourAddress = 16
        static let serverAddress = 20
        static let relayAddress = 24
        static let clientHardwareAddress = 28
        static let serverName = 44
        static let serverNameLength = 64
        static let file = 108
        static let fileLength = 128
        static let cookie = 236
        static let optionsStart = 240
        /// BOOTP relays may drop shorter messages (RFC 1542 §2.1).
        static let minimumLength = 300
    }

    /// Option codes (RFC 2132).
    enum OptionCode {
        static let pad: UInt8 = 0
        static let subnetMask: UInt8 = 1
        static let routers: UInt8 = 3
        static let dnsServers: UInt8 = 6
        static let hostName: UInt8 = 12
        static let interfaceMTU: UInt8 = 26
        static let requestedAddress: UInt8 = 50
        static let leaseTime: UInt8 = 51
        static let overload: UInt8 = 52
        static let messageType: UInt8 = 53
        static let serverIdentifier: UInt8 = 54
        static let parameterRequestList: UInt8 = 55
        static let maximumMessageSize: UInt8 = 57
        static let renewalTime: UInt8 = 58
        static let rebindingTime: UInt8 = 59
        static let clientIdentifier: UInt8 = 61
        static let classlessStaticRoutes: UInt8 = 121
        static let end: UInt8 = 255
    }

    private static func append(_ value: UInt32, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: bytes(value))
    }

    private static func bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func bytes(_ addresses: [IPv4Address]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(addresses.count * 4)
        for address in addresses { result.append(contentsOf: bytes(address.value)) }
        return result
    }

    /// Appends one option, in pieces of at most 255 bytes (RFC 3396); an empty value is one
    /// piece of length 0.
    private static func appendOption(_ code: UInt8, _ value: [UInt8], to buffer: inout [UInt8]) {
        var offset = 0
        repeat {
            let count = min(255, value.count - offset)
            buffer.append(code)
            buffer.append(UInt8(truncatingIfNeeded: count))
            buffer.append(contentsOf: value[offset..<(offset + count)])
            offset += count
        } while offset < value.count
    }
}

/// The option areas of one message, scanned into the positions of each option's value.
private struct OptionAreas {
    /// Where one piece of an option's value lies in the message.
    struct Piece {
        var code: UInt8
        var range: Range<Int>
    }

    let bytes: ArraySlice<UInt8>
    var pieces: [Piece] = []

    init(bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    /// Records the options in `bytes[start..<end]` (absolute indices, within `bytes`).
    mutating func scan(from start: Int, to end: Int) throws(WireError) {
        var index = start
        while index < end {
            let code = bytes[index]
            if code == DHCPMessage.OptionCode.end { return }
            if code == DHCPMessage.OptionCode.pad {
                index += 1
                continue
            }
            guard end - index >= 2 else { throw .badOptions }
            let length = Int(bytes[index + 1])
            guard end - (index + 2) >= length else { throw .badOptions }
            pieces.append(Piece(code: code, range: (index + 2)..<(index + 2 + length)))
            index += 2 + length
        }
        // A missing end option is tolerated: the area simply ends.
    }

    /// The value of option `code`, its pieces concatenated; `nil` if absent.
    func value(_ code: UInt8) -> [UInt8]? {
        var result: [UInt8]? = nil
        for piece in pieces where piece.code == code {
            result = (result ?? []) + bytes[piece.range]
        }
        return result
    }

    /// A four-byte address option.
    func address(_ code: UInt8) throws(WireError) -> IPv4Address? {
        guard let value = try seconds(code) else { return nil }
        return IPv4Address(value)
    }

    /// A four-byte unsigned integer option (a time in seconds).
    func seconds(_ code: UInt8) throws(WireError) -> UInt32? {
        guard let value = self.value(code) else { return nil }
        guard value.count == 4 else { throw .badOptions }
        return UInt32(value[0]) << 24 | UInt32(value[1]) << 16 | UInt32(value[2]) << 8 | UInt32(value[3])
    }

    /// A list of addresses; its length must be a multiple of four.
    func addresses(_ code: UInt8) throws(WireError) -> [IPv4Address] {
        guard let value = self.value(code) else { return [] }
        guard value.count % 4 == 0 else { throw .badOptions }
        var result: [IPv4Address] = []
        var index = 0
        while index + 4 <= value.count {
            result.append(IPv4Address(value[index], value[index + 1], value[index + 2], value[index + 3]))
            index += 4
        }
        return result
    }
}
