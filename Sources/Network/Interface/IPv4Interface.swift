import SwiftletDevices

/// An interface's IPv4 settings: its address and prefix, static routes and the default
/// gateway (routing: ``nextHop(for:)``).
public struct IPv4Settings: Equatable, Sendable {
    /// The address and network: `10.0.0.2/24`.
    public var address: IPv4Prefix
    /// Where packets for other networks go; `nil` keeps the stack on its own network.
    public var gateway: IPv4Address?
    /// Static routes (DHCP option 121), consulted before the gateway.
    public var routes: [IPv4Route]

    /// Creates settings.
    public init(address: IPv4Prefix, gateway: IPv4Address? = nil, routes: [IPv4Route] = []) {
        self.address = address
        self.gateway = gateway
        self.routes = routes
    }

    /// The subnet's broadcast address (`10.0.0.255` for a /24).
    public var subnetBroadcast: IPv4Address {
        IPv4Address(address.network.value | ~address.netmask.value)
    }
}

/// The link and network layers of one Ethernet interface, without I/O: frames go in through
/// ``receive(_:now:)``, transport payloads come out to the caller, and frames to send collect
/// in ``outbox``. Answers ARP and ICMP echo, resolves next hops with an ``ARPCache``,
/// reassembles fragments, and counts every dropped packet by reason.
public struct IPv4Interface {
    /// A transport-layer packet for the stack above.
    public struct Delivery {
        /// The IPv4 header (after reassembly, the first fragment's, with no fragment flags).
        public var header: IPv4Header
        /// The transport header and data.
        public var payload: ArraySlice<UInt8>
    }

    /// The interface's hardware address.
    public let macAddress: MACAddress
    /// The largest IP packet sent: the link's, or less when the network says so (DHCP option 26).
    public var mtu: Int
    /// The IPv4 settings; `nil` until configured (while DHCP runs).
    public var settings: IPv4Settings?
    /// Frames waiting to be sent, oldest first.
    public var outbox: [[UInt8]] = []
    /// Dropped packets by reason.
    public private(set) var drops = DropCounters()
    /// Frames received and sent, and echo requests answered.
    public private(set) var framesReceived = 0, framesSent = 0, echoRepliesSent = 0

    private var arp = ARPCache()
    private var reassembler = IPv4Reassembler()
    private var nextIdentification: UInt16

    /// An interface with hardware address `macAddress`.
    public init(macAddress: MACAddress, mtu: Int, settings: IPv4Settings?, seed: UInt64) {
        self.macAddress = macAddress
        self.mtu = mtu
        self.settings = settings
        nextIdentification = UInt16(truncatingIfNeeded: seed)
    }

    /// Counts a drop the layers above decided on.
    public mutating func countDrop(_ reason: DropReason) { drops.count(reason) }

    // MARK: Receiving

    /// Takes one frame from the link. Returns the TCP, UDP or ICMP (other than echo) packet in
    /// it for the layers above, if any; queues ARP and echo replies in ``outbox``.
    public mutating func receive(_ frame: ArraySlice<UInt8>, now: MonotonicInstant) -> Delivery? {
        framesReceived += 1
        let ethernet: EthernetHeader
        let body: ArraySlice<UInt8>
        do {
            (ethernet, body) = try EthernetHeader.parse(frame)
        } catch {
            drops.count(DropReason(error))
            return nil
        }
        guard ethernet.destination == macAddress || ethernet.destination == .broadcast else {
            drops.count(.notForUs)
            return nil
        }
        switch ethernet.etherType {
        case .arp:
            receiveARP(body, now: now)
            return nil
        case .ipv4:
            return receiveIPv4(body, now: now)
        default:
            drops.count(.unknownProtocol)
            return nil
        }
    }

    private mutating func receiveARP(_ body: ArraySlice<UInt8>, now: MonotonicInstant) {
        let packet: ARPPacket
        do {
            packet = try ARPPacket.parse(body)
        } catch {
            drops.count(DropReason(error))
            return
        }
        guard let settings else { return }
        let ours = settings.address.address
        let forUs = packet.targetIP == ours
        // RFC 826: update an existing entry from any packet; create one only when addressed to us.
        if packet.senderIP != .any {
            let refused = arp.refusedEntries
            for waiting in arp.learn(packet.senderIP, is: packet.senderMAC, now: now, create: forUs) {
                queueFrame(ipPacket: waiting[...], to: packet.senderMAC)
            }
            if arp.refusedEntries != refused { drops.count(.arpTableFull) }
        }
        if forUs, packet.operation == .request {
            let reply = ARPPacket(operation: .reply, senderMAC: macAddress, senderIP: ours,
                                  targetMAC: packet.senderMAC, targetIP: packet.senderIP)
            var frame: [UInt8] = []
            frame.reserveCapacity(EthernetHeader.length + ARPPacket.length)
            EthernetHeader(destination: packet.senderMAC, source: macAddress, etherType: .arp).emit(into: &frame)
            reply.emit(into: &frame)
            outbox.append(frame)
        } else if !forUs {
            drops.count(.notForUs)
        }
    }

    private mutating func receiveIPv4(_ body: ArraySlice<UInt8>, now: MonotonicInstant) -> Delivery? {
        var header: IPv4Header
        var payload: ArraySlice<UInt8>
        do {
            (header, payload) = try IPv4Header.parse(body)
        } catch {
            drops.count(DropReason(error))
            return nil
        }
        guard isForUs(header) else {
            drops.count(.notForUs)
            return nil
        }
        if header.isFragment {
            let key = IPv4Reassembler.Key(source: header.source, destination: header.destination,
                                          protocolNumber: header.nextProtocol.rawValue, identification: header.identification)
            switch reassembler.add(key, offset: header.fragmentOffset, moreFragments: header.moreFragments, payload: payload, now: now) {
            case .complete(let whole):
                payload = whole[...]
                header.moreFragments = false
                header.fragmentOffset = 0
                header.totalLength = header.headerLength + whole.count
            case .incomplete:
                return nil
            case .dropped:
                drops.count(.fragment)
                return nil
            }
        }
        if header.nextProtocol == .icmp {
            return receiveICMP(header, payload, now: now) ? nil : Delivery(header: header, payload: payload)
        }
        guard header.nextProtocol == .tcp || header.nextProtocol == .udp else {
            drops.count(.unknownProtocol)
            return nil
        }
        return Delivery(header: header, payload: payload)
    }

    /// Whether a packet is addressed to this host. Before the interface has an address, only
    /// what DHCP needs gets through: UDP to the client port, whatever the IP destination.
    private func isForUs(_ header: IPv4Header) -> Bool {
        guard let settings else { return header.nextProtocol == .udp }
        let destination = header.destination
        return destination == settings.address.address || destination == .broadcast
            || (destination == settings.subnetBroadcast && settings.address.length < 31)
    }

    /// Answers echo requests; returns whether the message was handled here.
    private mutating func receiveICMP(_ header: IPv4Header, _ payload: ArraySlice<UInt8>, now: MonotonicInstant) -> Bool {
        let message: ICMPv4Message
        let data: ArraySlice<UInt8>
        do {
            (message, data) = try ICMPv4Message.parse(payload)
        } catch {
            drops.count(DropReason(error))
            return true
        }
        guard message.type == ICMPv4Message.echoRequest, message.code == 0 else { return false }
        guard header.destination != .broadcast, let settings, header.destination == settings.address.address else {
            // No answers to broadcast pings (RFC 1122 §3.2.2.6 allows silence).
            return true
        }
        let reply = ICMPv4Message(type: ICMPv4Message.echoReply, code: 0, rest: message.rest)
        send(to: header.source, protocol: .icmp, payloadLength: ICMPv4Message.headerLength + data.count, now: now) { buffer in
            reply.emit(payload: data, into: &buffer)
        }
        echoRepliesSent += 1
        return true
    }

    // MARK: Sending

    /// Queues an IPv4 packet to `destination` whose transport part `writeTransport` appends
    /// (exactly `payloadLength` bytes). Resolves the next hop with ARP, queueing the packet
    /// until the answer comes; returns `false` (and counts the drop) when there is no route.
    @discardableResult
    public mutating func send(to destination: IPv4Address, from source: IPv4Address? = nil, protocol number: IPProtocol,
                              payloadLength: Int, now: MonotonicInstant, writeTransport: (inout [UInt8]) -> Void) -> Bool {
        let ownAddress = settings?.address.address ?? .any
        let header = IPv4Header(source: source ?? ownAddress, destination: destination, nextProtocol: number,
                                payloadLength: payloadLength, identification: nextIdentification)
        nextIdentification &+= 1
        var frame: [UInt8] = []
        frame.reserveCapacity(EthernetHeader.length + IPv4Header.minimumLength + payloadLength)
        // The Ethernet header is filled in once the next hop's address is known.
        frame.append(contentsOf: Self.blankEthernetHeader)
        header.emit(into: &frame)
        writeTransport(&frame)

        // A /31 or /32 has no subnet broadcast: its "broadcast" address is a host, or this one.
        if destination == .broadcast || (settings.map { destination == $0.subnetBroadcast && $0.address.length < 31 } ?? false) {
            fillEthernetHeader(&frame, destination: .broadcast)
            outbox.append(frame)
            framesSent += 1
            return true
        }
        guard let nextHop = nextHop(for: destination) else {
            drops.count(.noRoute)
            return false
        }
        switch arp.resolve(nextHop, queueing: Array(frame[EthernetHeader.length...]), now: now) {
        case .resolved(let mac):
            fillEthernetHeader(&frame, destination: mac)
            outbox.append(frame)
            framesSent += 1
        case .sendRequest:
            queueARPRequest(for: nextHop)
        case .waiting:
            break
        case .refused:
            drops.count(.unresolved)
        }
        return true
    }

    /// The host to hand a packet for `destination` to (``IPv4Settings/nextHop(for:)``).
    public func nextHop(for destination: IPv4Address) -> IPv4Address? {
        settings?.nextHop(for: destination)
    }

    /// Announces this host's address (gratuitous ARP, RFC 5227 §3), so neighbours update
    /// stale entries: sent when an address is configured.
    public mutating func announce() {
        guard let settings else { return }
        let ours = settings.address.address
        let packet = ARPPacket(operation: .request, senderMAC: macAddress, senderIP: ours, targetMAC: MACAddress(0, 0, 0, 0, 0, 0), targetIP: ours)
        var frame: [UInt8] = []
        EthernetHeader(destination: .broadcast, source: macAddress, etherType: .arp).emit(into: &frame)
        packet.emit(into: &frame)
        outbox.append(frame)
    }

    // MARK: Time

    /// The earliest instant ``poll(now:)`` has work.
    public var nextDeadline: MonotonicInstant? {
        switch (arp.nextDeadline, reassembler.nextDeadline) {
        case let (a?, b?): min(a, b)
        case let (a?, nil): a
        case let (nil, b?): b
        case (nil, nil): nil
        }
    }

    /// Retries ARP requests, gives up on unanswered ones, expires old fragments.
    public mutating func poll(now: MonotonicInstant) {
        let result = arp.poll(now: now)
        for address in result.requests { queueARPRequest(for: address) }
        drops.count(.unresolved, result.droppedPackets)
        drops.count(.fragment, reassembler.expire(now: now))
    }

    // MARK: Helpers

    private static let blankEthernetHeader = [UInt8](repeating: 0, count: EthernetHeader.length)

    /// Writes the Ethernet header into the blank space at the front of `frame`, in place.
    private func fillEthernetHeader(_ frame: inout [UInt8], destination: MACAddress) {
        let (d0, d1, d2, d3, d4, d5) = destination.octets
        let (s0, s1, s2, s3, s4, s5) = macAddress.octets
        let ipv4 = EtherType.ipv4.rawValue
        frame.withUnsafeMutableBufferPointer { bytes in
            bytes[0] = d0; bytes[1] = d1; bytes[2] = d2; bytes[3] = d3; bytes[4] = d4; bytes[5] = d5
            bytes[6] = s0; bytes[7] = s1; bytes[8] = s2; bytes[9] = s3; bytes[10] = s4; bytes[11] = s5
            bytes[12] = UInt8(truncatingIfNeeded: ipv4 >> 8); bytes[13] = UInt8(truncatingIfNeeded: ipv4)
        }
    }

    private mutating func queueFrame(ipPacket: ArraySlice<UInt8>, to mac: MACAddress) {
        var frame: [UInt8] = []
        frame.reserveCapacity(EthernetHeader.length + ipPacket.count)
        EthernetHeader(destination: mac, source: macAddress, etherType: .ipv4).emit(into: &frame)
        frame.append(contentsOf: ipPacket)
        outbox.append(frame)
        framesSent += 1
    }

    private mutating func queueARPRequest(for address: IPv4Address) {
        guard let settings else { return }
        let request = ARPPacket(operation: .request, senderMAC: macAddress, senderIP: settings.address.address,
                                targetMAC: MACAddress(0, 0, 0, 0, 0, 0), targetIP: address)
        var frame: [UInt8] = []
        EthernetHeader(destination: .broadcast, source: macAddress, etherType: .arp).emit(into: &frame)
        request.emit(into: &frame)
        outbox.append(frame)
    }
}
