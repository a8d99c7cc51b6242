import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices
import SwiftletRuntime

/// How a ``DirectStack`` gets its address and tunes its sockets.
public struct DirectStackConfiguration: Sendable {
    /// How the interface gets its IPv4 address.
    public enum Addressing: Equatable, Sendable {
        /// A fixed address and gateway (`--ipv4=10.0.0.2/24 --ipv4-gateway=10.0.0.1`).
        case fixed(IPv4Settings)
        /// Ask a DHCP server (`--dhcp=true`).
        case dhcp
    }

    /// How the interface gets its address.
    public var addressing: Addressing
    /// Tunables for every TCP connection.
    public var tcp = TCPConfiguration()
    /// Half-open connections (SYN received, handshake not finished) over all listeners: the
    /// memory a SYN flood can take. Also each listener's own bound unless `listen` sets one.
    /// Beyond it, SYNs get SYN cookies (or are dropped with ``synCookies`` off). Sized so that
    /// 10,000 clients connecting at once mostly get connections with every TCP option.
    public var maximumHalfOpenConnections = 2048
    /// Answer SYNs with SYN cookies (``SYNCookies``) when the half-open queue is full, so a SYN
    /// flood does not lock out legitimate clients.
    public var synCookies = true
    /// Datagrams a UDP socket holds before dropping new ones.
    public var udpQueueLength = 128
    /// Seeds ephemeral ports and DHCP transaction IDs.
    public var seed: UInt64
    /// The key of RFC 6528's sequence numbers and of SYN cookies. Kept apart from `seed`,
    /// whose generator's outputs are visible on the wire (ports, DHCP IDs): seeing those must
    /// not reveal it.
    public var secret: (UInt64, UInt64)

    /// Creates a configuration; without `secret`, one is derived from `seed` (for tests: a
    /// stack that faces a network is given one from the entropy source, see ``DirectStack/started``).
    public init(addressing: Addressing, seed: UInt64, secret: (UInt64, UInt64)? = nil) {
        self.addressing = addressing
        self.seed = seed
        var derived = SplitMix64(seed: ~seed)
        self.secret = secret ?? (derived.next(), derived.next())
    }
}

/// Swiftlet's own TCP/IP stack over any Ethernet ``NetworkInterface``: `--net direct`.
///
/// The protocol logic is sans-I/O (``IPv4Interface``, ``TCPControlBlock``, ``DHCPClient``);
/// this class drives it: one task receives frames, timers run from the run loop, and socket
/// calls wait on ``WaitQueue``s. Everything runs on the loop's one thread.
///
/// ```swift
/// let stack = DirectStack(link: tap, loop: loop, configuration: .init(addressing: .dhcp, seed: seed))
/// try await stack.start()          // returns once the interface has an address
/// let listener = try await stack.listen(port: 8080, backlog: 128)
/// ```
public final class DirectStack<Link: NetworkInterface, P: Platform>: NetworkStack {
    public typealias Listener = DirectListener<Link, P>
    public typealias Datagrams = DirectUDPSocket<Link, P>

    let link: Link
    let loop: RunLoop<P>
    let configuration: DirectStackConfiguration
    /// The link and IP layers: settings, ARP, counters.
    public internal(set) var interface: IPv4Interface
    var connections: [ConnectionKey: DirectConnection<Link, P>] = [:]
    var listeners: [UInt16: DirectListener<Link, P>] = [:]
    var udpSockets: [UInt16: DirectUDPSocket<Link, P>] = [:]
    var halfOpenConnections = 0
    var random: SplitMix64
    private let sequenceSecret: (UInt64, UInt64)
    let cookies: SYNCookies
    /// When the last SYN cookie was sent: ACKs are checked for cookies only while they may
    /// answer one, so nobody can guess cookies when there is no flood (as Linux does).
    private var lastCookieSent: MonotonicInstant?
    /// SYN cookies sent, and connections made from valid ones.
    public private(set) var synCookiesSent = 0, synCookiesAccepted = 0
    private var wakeScheduledAt: MonotonicInstant?
    /// Every connection's next deadline, one heap for the stack.
    var timers = TimerHeap<ConnectionTimer<Link, P>>()
    private var flushing = false
    private var spareOutbox: [[UInt8]] = []
    private var running = false
    var dhcp: DHCPClient?
    /// Tasks waiting for the interface to get an address.
    let addressChanged = WaitQueue()
    let log = Logger(source: "net")

    /// A stack on `link`, running on `loop`. Call ``start()`` before using it.
    public init(link: Link, loop: RunLoop<P>, configuration: DirectStackConfiguration) {
        self.link = link
        self.loop = loop
        self.configuration = configuration
        var random = SplitMix64(seed: configuration.seed ^ loop.platform.monotonicNow().nanoseconds)
        sequenceSecret = configuration.secret
        // The cookies' key differs from the sequence numbers' (one secret, two uses).
        cookies = SYNCookies(secret: (configuration.secret.0 ^ 0x636F_6F6B_6965_7321, configuration.secret.1))
        var settings: IPv4Settings? = nil
        if case .fixed(let fixed) = configuration.addressing { settings = fixed }
        interface = IPv4Interface(macAddress: link.macAddress, mtu: link.mtu, settings: settings, seed: random.next())
        self.random = random
    }

    /// The interface's addresses (none until DHCP has a lease).
    public var ipv4Addresses: [IPv4Address] { interface.settings.map { [$0.address.address] } ?? [] }

    /// Dropped packets by reason.
    public var drops: DropCounters { interface.drops }

    /// Starts receiving; with DHCP, returns once a lease is bound.
    public func start() async {
        guard !running else { return }
        running = true
        log.info("interface plugged: MAC \(link.macAddress), MTU \(link.mtu)")
        loop.spawn { await self.receiveFrames() }
        if configuration.addressing == .dhcp {
            startDHCP()
            await flush()  // the first DISCOVER goes now, not when its retransmission timer fires
            while true {
                let seen = addressChanged.generation
                if interface.settings != nil { break }
                await addressChanged.wait(after: seen)
            }
        } else if let settings = interface.settings {
            interface.announce()
            logAssembled(settings)
        }
        await flush()
    }

    /// The milestones of a stack that has its address, as MirageOS logs them: ARP, IPv4, the stack.
    func logAssembled(_ settings: IPv4Settings) {
        let address = settings.address.address
        log.info("ARP up: answering for \(address), announced it")
        log.info("IPv4 up: address \(address), netmask \(settings.address.netmask), gateway "
                 + (settings.gateway.map { $0.description } ?? "none"))
        log.info("stack assembled: mac=\(link.macAddress), ip=\(settings.address)")
    }

    /// Stops receiving after the next frame; sockets stay as they are.
    public func stop() { running = false }

    private func receiveFrames() async {
        var buffer = [UInt8](repeating: 0, count: link.mtu + EthernetHeader.length + 4)
        var failures = 0
        while running {
            let length: Int
            do {
                length = try await link.receive(into: &buffer)
            } catch {
                failures += 1
                log.error("receive failed: \(error)")
                // A link that keeps failing is gone; stop rather than spin.
                if failures >= 100 { running = false }
                await loop.sleep(until: now() + .milliseconds(10))
                continue
            }
            handleFrame(buffer[0..<min(length, buffer.count)])
            await flush()
        }
    }

    func now() -> MonotonicInstant { loop.platform.loopTime() }

    // MARK: Incoming

    /// Processes one frame: what the tests and the receive task call.
    func handleFrame(_ frame: ArraySlice<UInt8>) {
        let now = now()
        if let delivery = interface.receive(frame, now: now) {
            switch delivery.header.nextProtocol {
            case .tcp: handleTCP(delivery, now: now)
            case .udp: handleUDP(delivery, now: now)
            default: break  // ICMP errors: nothing uses them yet
            }
        }
        schedule(interface.nextDeadline)
    }

    private func handleTCP(_ delivery: IPv4Interface.Delivery, now: MonotonicInstant) {
        let ip = delivery.header
        let segment: TCPHeader
        let payload: ArraySlice<UInt8>
        do {
            (segment, payload) = try TCPHeader.parse(delivery.payload, source: ip.source, destination: ip.destination)
        } catch {
            interface.countDrop(DropReason(error))
            return
        }
        guard let settings = interface.settings, ip.destination == settings.address.address else {
            interface.countDrop(.notForUs)  // TCP is unicast only
            return
        }
        let key = ConnectionKey(local: IPv4Endpoint(address: ip.destination, port: segment.destinationPort),
                                remote: IPv4Endpoint(address: ip.source, port: segment.sourcePort))
        let isSYN = segment.flags.contains(.syn) && !segment.flags.contains(.ack) && !segment.flags.contains(.rst)
        if let connection = connections[key] {
            let replaceable = isSYN && listeners[key.local.port] != nil && connection.tcb.acceptsNewConnection(segment)
            if !replaceable {
                connection.tcb.receive(segment, payload: payload, now: now, emit: emitter(for: key, now: now))
                connection.changed(now: now)
                return
            }
            connection.forget()
        }
        if isSYN, let listener = listeners[key.local.port] {
            guard listener.pending.count < listener.backlog else {
                interface.countDrop(.acceptQueueFull)
                return
            }
            guard listener.halfOpen < listener.halfOpenLimit,
                  halfOpenConnections < configuration.maximumHalfOpenConnections else {
                if configuration.synCookies {
                    sendCookie(answering: segment, key: key, now: now)
                } else {
                    interface.countDrop(.synQueueFull)
                }
                return
            }
            let tcb = TCPControlBlock(acceptingSYN: segment, local: key.local, remote: key.remote,
                                      initialSequence: initialSequenceNumber(for: key, now: now),
                                      mtu: interface.mtu, now: now, configuration: configuration.tcp)
            let connection = DirectConnection(stack: self, key: key, tcb: tcb, listener: listener)
            connections[key] = connection
            listener.halfOpen += 1
            halfOpenConnections += 1
            connection.tcb.transmit(now: now, emit: emitter(for: key, now: now))
            connection.changed(now: now)
            return
        }
        if let listener = listeners[key.local.port], let sent = lastCookieSent,
           now < sent + SYNCookies.tick + SYNCookies.tick,
           segment.flags.contains(.ack), segment.flags.isDisjoint(with: [.syn, .rst]) {
            if let decoded = cookies.check(local: key.local, remote: key.remote, sequence: segment.sequenceNumber,
                                           acknowledgment: segment.acknowledgmentNumber, now: now) {
                guard listener.pending.count < listener.backlog else {
                    // The client retransmits; its next segment carries the cookie again.
                    interface.countDrop(.acceptQueueFull)
                    return
                }
                let tcb = TCPControlBlock(cookieACK: segment, peerMSS: Int(decoded.maximumSegmentSize), local: key.local,
                                          remote: key.remote, mtu: link.mtu, now: now, configuration: configuration.tcp)
                let connection = DirectConnection(stack: self, key: key, tcb: tcb, listener: listener)
                connections[key] = connection
                listener.halfOpen += 1
                halfOpenConnections += 1
                synCookiesAccepted += 1
                connection.tcb.receive(segment, payload: payload, now: now, emit: emitter(for: key, now: now))
                connection.changed(now: now)
                return
            }
            interface.countDrop(.badSYNCookie)
        } else {
            interface.countDrop(.noConnection)
        }
        guard !segment.flags.contains(.rst) else { return }
        // RFC 9293 §3.10.7.1: answer with a reset that the sender will accept.
        let length = payload.count + (segment.flags.contains(.syn) ? 1 : 0) + (segment.flags.contains(.fin) ? 1 : 0)
        let reset = segment.flags.contains(.ack)
            ? TCPHeader(sourcePort: segment.destinationPort, destinationPort: segment.sourcePort,
                        sequenceNumber: segment.acknowledgmentNumber, acknowledgmentNumber: 0, flags: .rst, window: 0)
            : TCPHeader(sourcePort: segment.destinationPort, destinationPort: segment.sourcePort, sequenceNumber: 0,
                        acknowledgmentNumber: segment.sequenceNumber &+ UInt32(truncatingIfNeeded: length),
                        flags: [.rst, .ack], window: 0)
        sendTCP(reset, payload: [], from: key.local.address, to: key.remote.address, now: now)
    }

    /// Answers `syn` with a SYN-ACK whose sequence number is a SYN cookie, keeping no state.
    /// The SYN-ACK comes from a throwaway control block without the options a cookie cannot keep.
    private func sendCookie(answering syn: TCPHeader, key: ConnectionKey, now: MonotonicInstant) {
        let isn = cookies.make(local: key.local, remote: key.remote, clientSequence: syn.sequenceNumber,
                               peerMSS: syn.options.maximumSegmentSize ?? 536, now: now)
        var tcp = configuration.tcp
        tcp.windowScaling = false
        tcp.timestamps = false
        tcp.selectiveAcknowledgements = false
        var tcb = TCPControlBlock(acceptingSYN: syn, local: key.local, remote: key.remote, initialSequence: isn,
                                  mtu: link.mtu, now: now, configuration: tcp)
        tcb.transmit(now: now, emit: emitter(for: key, now: now))
        lastCookieSent = now
        synCookiesSent += 1
    }

    private func handleUDP(_ delivery: IPv4Interface.Delivery, now: MonotonicInstant) {
        let ip = delivery.header
        let datagram: UDPHeader
        let payload: ArraySlice<UInt8>
        do {
            (datagram, payload) = try UDPHeader.parse(delivery.payload, source: ip.source, destination: ip.destination)
        } catch {
            interface.countDrop(DropReason(error))
            return
        }
        if datagram.destinationPort == DHCPMessage.clientPort, dhcp != nil {
            receiveDHCP(payload, now: now)
            return
        }
        guard interface.settings != nil else {
            interface.countDrop(.notForUs)
            return
        }
        guard let socket = udpSockets[datagram.destinationPort] else {
            interface.countDrop(.noSocket)
            if ip.destination == interface.settings?.address.address { sendPortUnreachable(for: delivery, now: now) }
            return
        }
        socket.deliver(Array(payload), from: IPv4Endpoint(address: ip.source, port: datagram.sourcePort))
    }

    /// ICMP destination unreachable, port unreachable (RFC 1122 §4.1.3.1), quoting the
    /// original IP header and the first 8 bytes of its payload.
    private func sendPortUnreachable(for delivery: IPv4Interface.Delivery, now: MonotonicInstant) {
        var quoted: [UInt8] = []
        delivery.header.emit(into: &quoted)
        quoted.append(contentsOf: delivery.payload.prefix(8))
        let message = ICMPv4Message(type: ICMPv4Message.destinationUnreachable, code: 3)
        interface.send(to: delivery.header.source, protocol: .icmp, payloadLength: ICMPv4Message.headerLength + quoted.count,
                       now: now) { buffer in message.emit(payload: quoted[...], into: &buffer) }
    }

    // MARK: Outgoing

    /// The `emit` closure for a connection's control block: segments become IP packets.
    func emitter(for key: ConnectionKey, now: MonotonicInstant) -> TCPControlBlock.Emit {
        { header, payload in self.sendTCP(header, payload: payload, from: key.local.address, to: key.remote.address, now: now) }
    }

    func sendTCP(_ header: TCPHeader, payload: ArraySlice<UInt8>, from source: IPv4Address, to destination: IPv4Address,
                 now: MonotonicInstant) {
        let length = TCPHeader.minimumLength + header.options.encodedLength + payload.count
        interface.send(to: destination, from: source, protocol: .tcp, payloadLength: length, now: now) { buffer in
            header.emit(payload: payload, source: source, destination: destination, into: &buffer)
        }
    }

    /// Hands the queued frames to the link. Only one task sends at a time, so frames leave in
    /// the order they were queued; the others return at once.
    func flush() async {
        guard !flushing else { return }
        flushing = true
        while !interface.outbox.isEmpty {
            swap(&spareOutbox, &interface.outbox)
            for frame in spareOutbox {
                do {
                    try await link.transmit(frame)
                } catch {
                    interface.countDrop(.transmitFailed)
                }
            }
            spareOutbox.removeAll(keepingCapacity: true)
        }
        flushing = false
    }

    // MARK: Timers

    /// Makes sure the timers run no later than `deadline`.
    func schedule(_ deadline: MonotonicInstant?) {
        guard let deadline else { return }
        if let scheduled = wakeScheduledAt, scheduled <= deadline { return }
        wakeScheduledAt = deadline
        loop.spawn {
            await self.loop.sleep(until: deadline)
            await self.runTimers(scheduledFor: deadline)
        }
    }

    private func runTimers(scheduledFor deadline: MonotonicInstant) async {
        if wakeScheduledAt == deadline { wakeScheduledAt = nil }
        let now = now()
        interface.poll(now: now)
        // Only the connections whose timers are due: the cost of a wake does not grow with the
        // number of connections. Entries whose connection re-armed or went away are skipped.
        var due: [DirectConnection<Link, P>] = []
        while let timer = timers.popExpired(now: now) {
            guard timer.connection.armedDeadline == timer.deadline else { continue }
            timer.connection.armedDeadline = nil
            due.append(timer.connection)
        }
        for connection in due where !connection.isForgotten {
            if let deadline = connection.tcb.nextDeadline, deadline <= now {
                connection.tcb.poll(now: now, emit: emitter(for: connection.key, now: now))
                connection.changed(now: now, scheduling: false)
            }
            if !connection.isForgotten { arm(connection, scheduling: false) }
        }
        compactTimers()
        var earliest = interface.nextDeadline
        if let next = timers.nextDeadline, earliest == nil || next < earliest! { earliest = next }
        if let next = pollDHCP(now: now), earliest == nil || next < earliest! { earliest = next }
        schedule(earliest)
        await flush()
    }

    /// Makes sure the timer heap has an entry for `connection`'s next deadline. An entry for an
    /// earlier instant stands in for a later one: when it fires, the connection is re-armed.
    func arm(_ connection: DirectConnection<Link, P>, scheduling: Bool = true) {
        guard let deadline = connection.tcb.nextDeadline else { return }
        if let armed = connection.armedDeadline, armed <= deadline { return }
        connection.armedDeadline = deadline
        timers.insert(ConnectionTimer(connection: connection, deadline: deadline), deadline: deadline)
        if scheduling { schedule(deadline) }
    }

    /// Rebuilds the heap without stale entries once they outnumber the live ones.
    private func compactTimers() {
        guard timers.count > 2 * connections.count + 1024 else { return }
        timers.removeAll()
        for connection in connections.values {
            guard let deadline = connection.armedDeadline else { continue }
            timers.insert(ConnectionTimer(connection: connection, deadline: deadline), deadline: deadline)
        }
    }

    // MARK: Ports and sequence numbers

    /// RFC 6528: a clock plus a keyed hash (SipHash, the standard library's `Hasher`, over the
    /// secret and the endpoints, as Linux does) of the connection's endpoints, so numbers are
    /// unpredictable to others and increase for reincarnations of one connection.
    func initialSequenceNumber(for key: ConnectionKey, now: MonotonicInstant) -> UInt32 {
        var hasher = Hasher()
        hasher.combine(sequenceSecret.0)
        hasher.combine(sequenceSecret.1)
        hasher.combine(UInt64(key.local.address.value) << 32 | UInt64(key.remote.address.value))
        hasher.combine(UInt64(key.local.port) << 16 | UInt64(key.remote.port))
        let clock = UInt32(truncatingIfNeeded: now.nanoseconds / 4_000)  // the RFC's 4 µs tick
        return clock &+ UInt32(truncatingIfNeeded: hasher.finalize())
    }

    /// A free port in the ephemeral range 49152–65535 (RFC 6335), chosen at random.
    func ephemeralPort(isFree: (UInt16) -> Bool) throws(NetError) -> UInt16 {
        let count: UInt64 = 65536 - 49152
        let start = random.next() % count
        for step in 0..<count {
            let port = UInt16(truncatingIfNeeded: 49152 + (start + step) % count)
            if isFree(port) { return port }
        }
        throw .addressInUse(port: 0)
    }

    // MARK: NetworkStack

    public func listen(port: UInt16, backlog: Int) async throws(NetError) -> Listener {
        try await listen(port: port, backlog: backlog, halfOpenLimit: configuration.maximumHalfOpenConnections)
    }

    /// Listens on `port` with an accept queue of `backlog` established connections and at most
    /// `halfOpenLimit` handshakes in progress (beyond which SYNs get SYN cookies). When the
    /// accept queue is full, new SYNs are dropped (counted); the clients retry.
    public func listen(port: UInt16, backlog: Int, halfOpenLimit: Int) async throws(NetError) -> Listener {
        guard port != 0 else { throw .invalidArgument("listening needs a port number, not 0") }
        guard listeners[port] == nil else { throw .addressInUse(port: port) }
        let address = interface.settings?.address.address ?? .any
        let listener = DirectListener(stack: self, endpoint: IPv4Endpoint(address: address, port: port), backlog: max(1, backlog),
                                      halfOpenLimit: max(0, halfOpenLimit))
        listeners[port] = listener
        log.debug("listening on TCP port \(port)")
        return listener
    }

    public func connect(to destination: IPv4Endpoint) async throws(NetError) -> DirectConnection<Link, P> {
        guard let settings = interface.settings else { throw .unreachable }
        guard interface.nextHop(for: destination.address) != nil else { throw .unreachable }
        let address = settings.address.address
        let port = try ephemeralPort { port in
            listeners[port] == nil && connections[ConnectionKey(local: IPv4Endpoint(address: address, port: port), remote: destination)] == nil
        }
        let key = ConnectionKey(local: IPv4Endpoint(address: address, port: port), remote: destination)
        let now = now()
        let tcb = TCPControlBlock(connectingFrom: key.local, to: destination, initialSequence: initialSequenceNumber(for: key, now: now),
                                  mtu: interface.mtu, now: now, configuration: configuration.tcp)
        let connection = DirectConnection(stack: self, key: key, tcb: tcb, listener: nil)
        connections[key] = connection
        connection.tcb.transmit(now: now, emit: emitter(for: key, now: now))
        connection.changed(now: now)
        await flush()
        while true {
            let seen = connection.waiters.generation
            if connection.tcb.state != .synSent && connection.tcb.state != .synReceived { break }
            await connection.waiters.wait(after: seen)
        }
        if let error = connection.tcb.error { throw error }
        return connection
    }

    public func bindUDP(port: UInt16) async throws(NetError) -> Datagrams {
        let chosen: UInt16
        if port == 0 {
            chosen = try ephemeralPort { udpSockets[$0] == nil }
        } else {
            guard udpSockets[port] == nil, !(port == DHCPMessage.clientPort && dhcp != nil) else { throw .addressInUse(port: port) }
            chosen = port
        }
        let address = interface.settings?.address.address ?? .any
        let socket = DirectUDPSocket(stack: self, endpoint: IPv4Endpoint(address: address, port: chosen),
                                     queueLength: configuration.udpQueueLength)
        udpSockets[chosen] = socket
        return socket
    }

    /// Sends one UDP datagram from `sourcePort`.
    func sendUDP(_ bytes: ArraySlice<UInt8>, from sourcePort: UInt16, source: IPv4Address? = nil, to destination: IPv4Endpoint) throws(NetError) {
        // Outgoing fragmentation is not implemented: a datagram must fit in one frame.
        let limit = interface.mtu - IPv4Header.minimumLength - UDPHeader.length
        guard bytes.count <= limit else {
            throw .invalidArgument("a UDP datagram of \(bytes.count) bytes does not fit the \(interface.mtu)-byte MTU (at most \(limit))")
        }
        let sourceAddress = source ?? interface.settings?.address.address ?? .any
        let header = UDPHeader(sourcePort: sourcePort, destinationPort: destination.port)
        let sent = interface.send(to: destination.address, from: sourceAddress, protocol: .udp,
                                  payloadLength: UDPHeader.length + bytes.count, now: now()) { buffer in
            header.emit(payload: bytes, source: sourceAddress, destination: destination.address, into: &buffer)
        }
        guard sent else { throw .unreachable }
        schedule(interface.nextDeadline)
    }
}

/// A connection's entry in the stack's timer heap; stale once the connection's
/// ``DirectConnection/armedDeadline`` differs.
struct ConnectionTimer<Link: NetworkInterface, P: Platform> {
    let connection: DirectConnection<Link, P>
    let deadline: MonotonicInstant
}

/// A connection's endpoints, as seen from this host.
struct ConnectionKey: Hashable {
    var local: IPv4Endpoint
    var remote: IPv4Endpoint
}


extension DirectStack {
    /// A started stack with the keys' settings: what the generated `main.swift` creates for
    /// `--net direct`. A `gateway` of 0.0.0.0 means none; with `dhcp`, waits for a lease.
    ///
    /// `addressGiven` says the command line gave `ipv4` explicitly: an address the user typed
    /// wins over DHCP that was only configured as the default, and the log says so.
    public static func started(link: Link, loop: RunLoop<P>, ipv4: IPv4Prefix, gateway: IPv4Address, dhcp: Bool,
                               addressGiven: Bool = false) async -> DirectStack {
        let dhcp = dhcp && !addressGiven
        if addressGiven {
            Logger(source: "net").info("using --ipv4=\(ipv4) from the command line (no DHCP)")
        }
        let addressing: DirectStackConfiguration.Addressing = dhcp
            ? .dhcp : .fixed(IPv4Settings(address: ipv4, gateway: gateway == .any ? nil : gateway))
        // The secret of RFC 6528's sequence numbers, ephemeral ports and DHCP transaction IDs
        // come from the platform's entropy source (no source: the unikernel refuses to start).
        let entropy = loop.platform.requireEntropy(count: 24)
        func word(_ index: Int) -> UInt64 { entropy[index * 8..<index * 8 + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        let configuration = DirectStackConfiguration(addressing: addressing, seed: word(0), secret: (word(1), word(2)))
        let stack = DirectStack(link: link, loop: loop, configuration: configuration)
        await stack.start()
        return stack
    }
}
