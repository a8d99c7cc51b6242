import SwiftletDevices

/// An address lease granted by a DHCP server, with the instants at which the client acts on it.
public struct DHCPLease: Equatable, Sendable {
    /// The leased address with its subnet's prefix length (/24 when the server sent no mask).
    public var address: IPv4Prefix
    /// The first router the server listed, if any.
    public var router: IPv4Address?
    /// DNS servers, in the server's order of preference.
    public var dnsServers: [IPv4Address]
    /// Classless static routes (option 121); when there are any, they replace ``router``
    /// (RFC 3442 §3: the client ignores option 3), and a default route is among them if wanted.
    public var routes: [IPv4Route]
    /// The interface MTU the server gave (option 26), if at least 576.
    public var mtu: Int?
    /// The server that granted the lease (its server identifier).
    public var server: IPv4Address
    /// When the request that got the lease was first sent: lease times count from there
    /// (RFC 2131 §4.4.1), which errs on the safe side.
    public var acquiredAt: MonotonicInstant
    /// T1: when the client starts renewing with its server.
    public var renewAt: MonotonicInstant
    /// T2: when the client starts asking any server.
    public var rebindAt: MonotonicInstant
    /// When the address must no longer be used. `MonotonicInstant(nanoseconds: .max)`, like
    /// `renewAt` and `rebindAt`, for an infinite lease.
    public var expiresAt: MonotonicInstant

    /// Creates a lease from its parts.
    public init(address: IPv4Prefix, router: IPv4Address?, dnsServers: [IPv4Address], server: IPv4Address,
                acquiredAt: MonotonicInstant, renewAt: MonotonicInstant, rebindAt: MonotonicInstant,
                expiresAt: MonotonicInstant, routes: [IPv4Route] = [], mtu: Int? = nil) {
        self.address = address
        self.routes = routes
        self.mtu = mtu
        self.router = router
        self.dnsServers = dnsServers
        self.server = server
        self.acquiredAt = acquiredAt
        self.renewAt = renewAt
        self.rebindAt = rebindAt
        self.expiresAt = expiresAt
    }
}

/// A DHCP client (RFC 2131 §4.4) that does no I/O and reads no clock.
///
/// The caller sends each transmission over UDP from port 68 to port 67, feeds received DHCP
/// replies to `receive(_:now:)`, and calls `poll(now:)` by `nextDeadline`. Given the same
/// seed and inputs it behaves the same way every time.
///
/// ```swift
/// var client = DHCPClient(macAddress: mac, seed: 42)
/// send(client.start(now: clock.now()).transmissions)
/// // on each reply, and whenever `client.nextDeadline` passes:
/// let output = client.receive(try DHCPMessage.parse(payload), now: clock.now())
/// if case .bound(let lease)? = output.event { configure(lease.address, lease.router) }
/// ```
public struct DHCPClient: Sendable {
    /// Where the client is in RFC 2131 figure 5 (no INIT-REBOOT: the client keeps no lease
    /// across restarts).
    public enum State: Equatable, Sendable {
        /// Not started, or waiting to restart after a NAK or a decline.
        case initial
        /// DISCOVER sent, waiting for an offer.
        case selecting
        /// REQUEST for an offered address sent, waiting for the ACK.
        case requesting
        /// Holding a lease, nothing in flight.
        case bound
        /// Past T1: asking the leasing server to extend the lease.
        case renewing
        /// Past T2: asking any server to extend the lease.
        case rebinding
    }

    /// What the caller must act on.
    public enum Event: Equatable, Sendable {
        /// A new lease: configure its address.
        case bound(DHCPLease)
        /// The lease was extended; the address is the same, the times (and maybe the routers
        /// and DNS servers) are new.
        case renewed(DHCPLease)
        /// The address is gone (NAK, expiry, decline or release): stop using it. After a NAK
        /// or expiry the client starts over by itself.
        case lost
    }

    /// A DHCP message to send from the client port to the server port.
    public struct Transmission: Equatable, Sendable {
        /// The message.
        public var message: DHCPMessage
        /// The IP source: 0.0.0.0 unless the client holds a lease.
        public var source: IPv4Address
        /// The IP destination: 255.255.255.255, or the server when renewing or releasing.
        public var destination: IPv4Address

        /// Creates a transmission.
        public init(message: DHCPMessage, source: IPv4Address, destination: IPv4Address) {
            self.message = message
            self.source = source
            self.destination = destination
        }
    }

    /// The result of one call: messages to send, and at most one event.
    public struct Output: Equatable, Sendable {
        /// Messages to send, in order.
        public var transmissions: [Transmission]
        /// What happened to the lease, if anything.
        public var event: Event?

        /// Creates an output.
        public init(transmissions: [Transmission] = [], event: Event? = nil) {
            self.transmissions = transmissions
            self.event = event
        }
    }

    /// The client's Ethernet address (chaddr, and the client identifier after type 1).
    public let macAddress: MACAddress
    /// The host name sent in DISCOVER and REQUEST messages (option 12), if any.
    public let hostName: String?
    /// The current state.
    public private(set) var state: State = .initial
    /// The lease held in `bound`, `renewing` and `rebinding`; `nil` otherwise.
    public private(set) var lease: DHCPLease?

    private var random: SplitMix64
    private var transactionID: UInt32 = 0
    /// When the current exchange began, for the `secs` field.
    private var exchangeStart = MonotonicInstant(nanoseconds: 0)
    /// When the first REQUEST of the current exchange was sent: the lease counts from there.
    private var firstRequestAt = MonotonicInstant(nanoseconds: 0)
    /// Messages sent in the current state, for the backoff.
    private var attempts = 0
    private var retransmitAt: MonotonicInstant?
    private var restartAt: MonotonicInstant?
    private var offer: Offer?

    /// The offer being requested.
    private struct Offer {
        var address: IPv4Address
        var server: IPv4Address
        var subnetMask: IPv4Address?
    }

    /// A client in `initial`; nothing happens until `start(now:)`.
    public init(macAddress: MACAddress, seed: UInt64, hostName: String? = nil) {
        self.macAddress = macAddress
        self.hostName = hostName
        random = SplitMix64(seed: seed)
    }

    /// Starts acquiring a lease: sends a DISCOVER. Called again, starts over, dropping any
    /// lease (the output then carries `.lost`).
    public mutating func start(now: MonotonicInstant) -> Output {
        let hadLease = lease != nil
        lease = nil
        return Output(transmissions: [beginDiscovery(now: now)], event: hadLease ? .lost : nil)
    }

    /// Handles a DHCP message received on the client port. Ignores messages that are not
    /// replies to the exchange in progress (transaction ID, hardware address, operation) and
    /// replies that make no sense in the current state or are unusable.
    public mutating func receive(_ message: DHCPMessage, now: MonotonicInstant) -> Output {
        guard message.operation == .reply, message.transactionID == transactionID,
              message.clientHardwareAddress == macAddress, let type = message.messageType else { return Output() }
        switch (state, type) {
        case (.selecting, .offer):
            return select(message, now: now)
        case (.requesting, .ack), (.renewing, .ack), (.rebinding, .ack):
            return acknowledge(message)
        case (.requesting, .nak), (.renewing, .nak), (.rebinding, .nak):
            // In REQUESTING another server may answer our broadcast; only ours may refuse.
            if state == .requesting, let server = message.serverIdentifier, server != offer?.server {
                return Output()
            }
            let hadLease = lease != nil
            enterInitial(restartAt: now + Self.restartDelayAfterNAK)
            return Output(event: hadLease ? .lost : nil)
        default:
            return Output()
        }
    }

    /// Runs the timers: retransmissions, T1, T2 and expiry. Call it at `nextDeadline`; calling
    /// it earlier or more often is harmless.
    public mutating func poll(now: MonotonicInstant) -> Output {
        switch state {
        case .initial:
            guard let restartAt, now >= restartAt else { return Output() }
            return Output(transmissions: [beginDiscovery(now: now)])
        case .selecting:
            guard let retransmitAt, now >= retransmitAt else { return Output() }
            return Output(transmissions: [retransmit(now: now, discover(now: now))])
        case .requesting:
            guard let retransmitAt, now >= retransmitAt else { return Output() }
            if attempts >= Self.requestAttempts {
                return Output(transmissions: [beginDiscovery(now: now)])
            }
            return Output(transmissions: [retransmit(now: now, selectingRequest(now: now))])
        case .bound, .renewing, .rebinding:
            guard let lease else {
                // Unreachable: these states always hold a lease.
                return Output(transmissions: [beginDiscovery(now: now)])
            }
            if now >= lease.expiresAt {
                self.lease = nil
                return Output(transmissions: [beginDiscovery(now: now)], event: .lost)
            }
            if state != .rebinding, now >= lease.rebindAt {
                return Output(transmissions: [beginExtension(.rebinding, now: now)])
            }
            if state == .bound {
                guard now >= lease.renewAt else { return Output() }
                return Output(transmissions: [beginExtension(.renewing, now: now)])
            }
            guard let retransmitAt, now >= retransmitAt else { return Output() }
            self.retransmitAt = now + Self.extensionRetry(now: now, until: state == .renewing ? lease.rebindAt : lease.expiresAt)
            return Output(transmissions: [extensionRequest(now: now)])
        }
    }

    /// Gives the leased address back after finding it in use (an ARP probe got an answer):
    /// sends a DECLINE and starts over after ten seconds (RFC 2131 §4.4.1). The output carries
    /// `.lost` if a lease was held; otherwise nothing happens.
    public mutating func decline(now: MonotonicInstant) -> Output {
        guard let lease else { return Output() }
        var message = DHCPMessage(operation: .request, transactionID: nextTransactionID(),
                                  clientHardwareAddress: macAddress, messageType: .decline)
        message.requestedAddress = lease.address.address
        message.serverIdentifier = lease.server
        message.clientIdentifier = clientIdentifier
        enterInitial(restartAt: now + Self.restartDelayAfterDecline)
        return Output(transmissions: [Transmission(message: message, source: .any, destination: .broadcast)], event: .lost)
    }

    /// Gives the lease up (at shutdown): sends a RELEASE to the server and stays in `initial`
    /// until `start(now:)`. The output carries `.lost` if a lease was held.
    public mutating func release(now: MonotonicInstant) -> Output {
        guard let lease else { return Output() }
        var message = DHCPMessage(operation: .request, transactionID: nextTransactionID(),
                                  clientHardwareAddress: macAddress, messageType: .release)
        message.clientAddress = lease.address.address
        message.serverIdentifier = lease.server
        message.clientIdentifier = clientIdentifier
        enterInitial(restartAt: nil)
        return Output(transmissions: [Transmission(message: message, source: lease.address.address, destination: lease.server)],
                      event: .lost)
    }

    /// When `poll(now:)` next has something to do; `nil` if nothing is pending (not started,
    /// released, or bound with an infinite lease).
    public var nextDeadline: MonotonicInstant? {
        let deadline: MonotonicInstant?
        switch state {
        case .initial:
            deadline = restartAt
        case .selecting, .requesting:
            deadline = retransmitAt
        case .bound:
            deadline = lease?.renewAt
        case .renewing:
            deadline = Self.earlier(retransmitAt, lease?.rebindAt)
        case .rebinding:
            deadline = Self.earlier(retransmitAt, lease?.expiresAt)
        }
        return deadline == Self.never ? nil : deadline
    }

    // MARK: Tuning

    /// REQUESTs sent for one offer before starting over with a DISCOVER.
    static let requestAttempts = 4
    /// A NAK means our idea of the network is wrong; pause briefly so a confused server does
    /// not make us loop.
    static let restartDelayAfterNAK: Duration = .seconds(3)
    /// RFC 2131 §4.4.1: at least ten seconds after a DECLINE.
    static let restartDelayAfterDecline: Duration = .seconds(10)
    /// RFC 2131 §4.4.5: renewal retransmissions no closer than 60 seconds.
    static let minimumExtensionRetry: UInt64 = 60 * nanosecondsPerSecond
    /// The options the client asks for: subnet mask, router, DNS, lease time, T1, T2.
    static let requestedParameters: [UInt8] = [1, 3, 6, 26, 51, 58, 59, 121]

    private static let nanosecondsPerSecond: UInt64 = 1_000_000_000
    private static let never = MonotonicInstant(nanoseconds: .max)

    // MARK: Transitions

    /// INIT -> SELECTING: a new transaction and its first DISCOVER.
    private mutating func beginDiscovery(now: MonotonicInstant) -> Transmission {
        state = .selecting
        lease = nil
        offer = nil
        restartAt = nil
        transactionID = nextTransactionID()
        exchangeStart = now
        attempts = 0
        return retransmit(now: now, discover(now: now))
    }

    /// SELECTING -> REQUESTING on the first usable offer.
    private mutating func select(_ message: DHCPMessage, now: MonotonicInstant) -> Output {
        guard let server = message.serverIdentifier, Self.isUsable(message.yourAddress),
              Self.prefixLength(of: message.subnetMask) != nil else { return Output() }
        offer = Offer(address: message.yourAddress, server: server, subnetMask: message.subnetMask)
        state = .requesting
        attempts = 0
        firstRequestAt = now
        return Output(transmissions: [retransmit(now: now, selectingRequest(now: now))])
    }

    /// An ACK in REQUESTING, RENEWING or REBINDING: validates it and binds.
    private mutating func acknowledge(_ message: DHCPMessage) -> Output {
        guard let leaseTime = message.leaseTime, leaseTime > 0, Self.isUsable(message.yourAddress) else { return Output() }
        let server: IPv4Address
        let length: Int
        var router: IPv4Address?
        var dnsServers: [IPv4Address]
        var routes: [IPv4Route] = []
        var mtu: Int? = nil
        if state == .requesting {
            guard let offer else { return Output() }
            if let identifier = message.serverIdentifier, identifier != offer.server { return Output() }
            server = offer.server
            // The offer's mask stands in when the ACK leaves it out; /24 when neither has one.
            guard let given = Self.prefixLength(of: message.subnetMask ?? offer.subnetMask) else { return Output() }
            length = given
            router = nil
            dnsServers = []
        } else {
            guard let current = lease, message.yourAddress == current.address.address else { return Output() }
            // In REBINDING another server may answer; it becomes the one we renew with.
            server = message.serverIdentifier ?? current.server
            // What the ACK leaves out stays as it was.
            guard let given = message.subnetMask == nil ? current.address.length : Self.prefixLength(of: message.subnetMask) else {
                return Output()
            }
            length = given
            router = current.router
            dnsServers = current.dnsServers
            routes = current.routes
            mtu = current.mtu
        }
        if !message.classlessStaticRoutes.isEmpty { routes = message.classlessStaticRoutes }
        // RFC 2132 §5.1: at least 68; below the 576 every host must take, ignore it.
        if let given = message.interfaceMTU, given >= 576 { mtu = Int(given) }
        if let first = message.routers.first { router = first }
        if !message.dnsServers.isEmpty { dnsServers = message.dnsServers }
        guard let address = IPv4Prefix(address: message.yourAddress, length: length) else { return Output() }

        let start = firstRequestAt
        let times = Self.leaseTimes(lease: leaseTime, renewal: message.renewalTime, rebinding: message.rebindingTime)
        let newLease = DHCPLease(
            address: address, router: router, dnsServers: dnsServers, server: server, acquiredAt: start,
            renewAt: Self.adding(times.renew, to: start), rebindAt: Self.adding(times.rebind, to: start),
            expiresAt: Self.adding(times.expire, to: start), routes: routes, mtu: mtu)
        let event: Event = state == .requesting ? .bound(newLease) : .renewed(newLease)
        lease = newLease
        state = .bound
        offer = nil
        retransmitAt = nil
        return Output(event: event)
    }

    /// BOUND -> RENEWING at T1, or -> REBINDING at T2: a new transaction and its first REQUEST.
    private mutating func beginExtension(_ next: State, now: MonotonicInstant) -> Transmission {
        state = next
        transactionID = nextTransactionID()
        exchangeStart = now
        firstRequestAt = now
        if let lease {
            retransmitAt = now + Self.extensionRetry(now: now, until: next == .renewing ? lease.rebindAt : lease.expiresAt)
        }
        return extensionRequest(now: now)
    }

    /// Back to INIT, holding nothing; `restartAt` schedules the next DISCOVER.
    private mutating func enterInitial(restartAt: MonotonicInstant?) {
        state = .initial
        lease = nil
        offer = nil
        retransmitAt = nil
        self.restartAt = restartAt
    }

    /// Counts a DISCOVER or REQUEST and schedules its retransmission: 4, 8, 16, 32, then 64
    /// seconds, each ±1 s (RFC 2131 §4.1).
    private mutating func retransmit(now: MonotonicInstant, _ transmission: Transmission) -> Transmission {
        let base = UInt64(attempts >= 4 ? 64 : 4 << attempts) * Self.nanosecondsPerSecond
        let jitter = random.next() % (2 * Self.nanosecondsPerSecond + 1)
        retransmitAt = Self.adding(base - Self.nanosecondsPerSecond + jitter, to: now)
        attempts += 1
        return transmission
    }

    // MARK: Messages

    private var clientIdentifier: [UInt8] { [1] + macAddress.bytes }

    /// The fields DISCOVER and REQUEST share.
    private func request(_ type: DHCPMessage.MessageType, now: MonotonicInstant) -> DHCPMessage {
        var message = DHCPMessage(operation: .request, transactionID: transactionID,
                                  clientHardwareAddress: macAddress, messageType: type)
        let elapsed = now.nanoseconds >= exchangeStart.nanoseconds ? (now.nanoseconds - exchangeStart.nanoseconds) / Self.nanosecondsPerSecond : 0
        message.secondsElapsed = UInt16(clamping: elapsed)
        message.clientIdentifier = clientIdentifier
        message.hostName = hostName
        message.parameterRequestList = Self.requestedParameters
        return message
    }

    private func discover(now: MonotonicInstant) -> Transmission {
        var message = request(.discover, now: now)
        // Without an address we may not receive unicast: ask for broadcast replies.
        message.broadcast = true
        return Transmission(message: message, source: .any, destination: .broadcast)
    }

    /// The REQUEST for an offered address (SELECTING/REQUESTING).
    private func selectingRequest(now: MonotonicInstant) -> Transmission {
        var message = request(.request, now: now)
        message.broadcast = true
        message.requestedAddress = offer?.address
        message.serverIdentifier = offer?.server
        return Transmission(message: message, source: .any, destination: .broadcast)
    }

    /// The REQUEST extending the lease: unicast to the server when renewing, broadcast when
    /// rebinding; ciaddr carries the address, no server identifier or requested address.
    private func extensionRequest(now: MonotonicInstant) -> Transmission {
        var message = request(.request, now: now)
        let address = lease?.address.address ?? .any
        message.clientAddress = address
        let destination = state == .renewing ? lease?.server ?? .broadcast : .broadcast
        return Transmission(message: message, source: address, destination: destination)
    }

    // MARK: Helpers

    private mutating func nextTransactionID() -> UInt32 {
        UInt32(truncatingIfNeeded: random.next() >> 32)
    }

    /// An address a host may use: not 0.0.0.0, not multicast, reserved or broadcast.
    private static func isUsable(_ address: IPv4Address) -> Bool {
        address.value != 0 && address.value < 0xE000_0000
    }

    /// The prefix length of a contiguous mask; 24 without one; `nil` for a mask with holes.
    static func prefixLength(of mask: IPv4Address?) -> Int? {
        guard let mask else { return 24 }
        let hostBits = ~mask.value
        // Contiguous: the host bits are all ones from the bottom up.
        guard hostBits & (hostBits &+ 1) == 0 else { return nil }
        return hostBits.leadingZeroBitCount
    }

    /// T1, T2 and the expiry in nanoseconds after the request; the server's T1 and T2 unless
    /// they are not in order T1 < T2 < lease, then 1/2 and 7/8 of the lease (RFC 2131 §4.4.5).
    static func leaseTimes(lease: UInt32, renewal: UInt32?, rebinding: UInt32?) -> (renew: UInt64, rebind: UInt64, expire: UInt64) {
        if lease == .max { return (.max, .max, .max) }
        let total = UInt64(lease) * nanosecondsPerSecond
        let defaults = (renew: total / 2, rebind: total / 8 * 7)
        let renew = renewal.map { UInt64($0) * nanosecondsPerSecond } ?? defaults.renew
        let rebind = rebinding.map { UInt64($0) * nanosecondsPerSecond } ?? defaults.rebind
        guard renew < rebind, rebind < total else { return (defaults.renew, defaults.rebind, total) }
        return (renew, rebind, total)
    }

    /// Half the time left until `limit`, but at least 60 seconds (RFC 2131 §4.4.5).
    private static func extensionRetry(now: MonotonicInstant, until limit: MonotonicInstant) -> Duration {
        let remaining = limit.nanoseconds > now.nanoseconds ? limit.nanoseconds - now.nanoseconds : 0
        return .nanoseconds(Int64(clamping: max(minimumExtensionRetry, remaining / 2)))
    }

    /// `instant` plus `nanoseconds`, saturating at `never` (an infinite lease stays infinite).
    private static func adding(_ nanoseconds: UInt64, to instant: MonotonicInstant) -> MonotonicInstant {
        let (sum, overflow) = instant.nanoseconds.addingReportingOverflow(nanoseconds)
        return MonotonicInstant(nanoseconds: overflow ? .max : sum)
    }

    private static func earlier(_ a: MonotonicInstant?, _ b: MonotonicInstant?) -> MonotonicInstant? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }
}
