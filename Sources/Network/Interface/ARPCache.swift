import SwiftletDevices

/// The neighbour cache of an IPv4 interface (RFC 826): which hardware address each on-link
/// IPv4 address has, plus the packets waiting for an answer to an ARP request.
///
/// The cache does no I/O and reads no clock. The interface asks it what to do with each
/// outgoing packet, tells it what it learns from incoming ARP packets, and calls ``poll(now:)``
/// at ``nextDeadline`` to retry requests and expire entries.
///
/// ```swift
/// var cache = ARPCache()
/// switch cache.resolve(gateway, queueing: packet, now: now) {
/// case .resolved(let mac): send(packet, to: mac)
/// case .sendRequest: sendARPRequest(for: gateway)
/// case .waiting, .refused: break
/// }
/// // Later, when the reply arrives:
/// for packet in cache.learn(gateway, is: replyMAC, now: now, create: true) {
///     send(packet, to: replyMAC)
/// }
/// ```
public struct ARPCache {
    /// Limits and timers.
    public struct Configuration: Sendable {
        /// The most entries, resolved and pending together. Beyond it the least recently used
        /// resolved entry is evicted; if every entry is pending, new resolutions are refused.
        public var capacity: Int = 512
        /// How long a learned address stays valid.
        public var entryLifetime: Duration = .seconds(60)
        /// The time between ARP requests for an address that has not answered.
        public var retryInterval: Duration = .seconds(1)
        /// The most ARP requests sent for one resolution; then its packets are dropped.
        public var maximumRequests: Int = 3
        /// The most packets queued for one unresolved address; beyond it the oldest is dropped.
        public var pendingPacketsPerAddress: Int = 4

        /// The default configuration.
        public init() {}
    }

    /// What to do with a packet to send to an address.
    public enum Resolution: Equatable {
        /// The address is known: send the packet to this hardware address now (it is not kept).
        case resolved(MACAddress)
        /// The packet is queued; send an ARP request for the address now.
        case sendRequest
        /// The packet is queued behind an ARP request already sent.
        case waiting
        /// The cache is full of unresolved addresses; the packet was dropped.
        case refused
    }

    /// What ``poll(now:)`` asks of the interface.
    public struct PollResult: Equatable {
        /// The addresses to send an ARP request for now, in ascending order.
        public var requests: [IPv4Address]
        /// How many queued packets this poll dropped because their address never answered.
        public var droppedPackets: Int

        /// Creates a result.
        public init(requests: [IPv4Address] = [], droppedPackets: Int = 0) {
            self.requests = requests
            self.droppedPackets = droppedPackets
        }
    }

    private struct Resolved {
        var mac: MACAddress
        var expiry: MonotonicInstant
    }

    private struct Pending {
        var requestsSent: Int
        var nextRequest: MonotonicInstant
        var packets: [[UInt8]]
    }

    private enum State {
        case resolved(Resolved)
        case pending(Pending)
    }

    private struct Entry {
        var state: State
        /// The value of `useCounter` when the entry was last used; the smallest is evicted first.
        var lastUse: UInt64
    }

    /// The configuration the cache was created with.
    public let configuration: Configuration
    private var entries: [IPv4Address: Entry] = [:]
    // A counter rather than instants orders uses within the same instant, and keeps eviction
    // deterministic.
    private var useCounter: UInt64 = 0

    /// The packets dropped for any reason since the cache was created: a full per-address
    /// queue, a refused resolution, or an address that never answered.
    public private(set) var droppedPackets: Int = 0

    /// Creates an empty cache.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The number of entries, resolved and pending (expired ones count until the next poll).
    public var count: Int { entries.count }

    /// The hardware address of `ip`, if known and not expired.
    public func lookup(_ ip: IPv4Address, now: MonotonicInstant) -> MACAddress? {
        guard let entry = entries[ip], case .resolved(let resolved) = entry.state,
              now < resolved.expiry else { return nil }
        return resolved.mac
    }

    /// Resolves `ip` for sending `packet`, an IPv4 packet without its Ethernet header.
    ///
    /// - `.resolved(mac)`: send the packet now; the cache does not keep it.
    /// - `.sendRequest`: the packet is queued; send an ARP request for `ip` now.
    /// - `.waiting`: the packet is queued behind a request already sent.
    /// - `.refused`: the cache is full of pending entries; the packet was dropped (counted).
    ///
    /// `packet` is only evaluated when it is queued, so the common case — a known address —
    /// copies nothing.
    public mutating func resolve(_ ip: IPv4Address, queueing packet: @autoclosure () -> [UInt8],
                                 now: MonotonicInstant) -> Resolution {
        useCounter &+= 1
        if let index = entries.index(forKey: ip) {
            entries.values[index].lastUse = useCounter
            switch entries.values[index].state {
            case .resolved(let resolved) where now < resolved.expiry:
                return .resolved(resolved.mac)
            case .resolved:
                // Expired: resolve again, in the entry's existing slot.
                let pending = startPending(with: packet(), now: now)
                entries.values[index].state = .pending(pending)
                return .sendRequest
            case .pending(var pending):
                // Empty the entry while editing so the queue is not copied.
                entries.values[index].state = .pending(Pending(requestsSent: 0, nextRequest: now, packets: []))
                pending.packets.append(packet())
                let limit = max(configuration.pendingPacketsPerAddress, 0)
                if pending.packets.count > limit {
                    let excess = pending.packets.count - limit
                    pending.packets.removeFirst(excess)
                    droppedPackets &+= excess
                }
                entries.values[index].state = .pending(pending)
                return .waiting
            }
        }
        guard makeRoom(now: now) else {
            droppedPackets &+= 1
            return .refused
        }
        let pending = startPending(with: packet(), now: now)
        entries[ip] = Entry(state: .pending(pending), lastUse: useCounter)
        return .sendRequest
    }

    /// Learns that `ip` is at `mac`, from an ARP request addressed to us or from a reply.
    ///
    /// Following RFC 826's merge rule, an existing entry (pending, resolved or expired) is
    /// always updated; a new one is created only when `create` is true and there is room.
    /// Returns the packets that were waiting for `ip`, oldest first, to send to `mac` now.
    public mutating func learn(_ ip: IPv4Address, is mac: MACAddress, now: MonotonicInstant, create: Bool) -> [[UInt8]] {
        useCounter &+= 1
        let resolved = Entry(state: .resolved(Resolved(mac: mac, expiry: now + configuration.entryLifetime)),
                             lastUse: useCounter)
        if let index = entries.index(forKey: ip) {
            let previous = entries.values[index]
            entries.values[index] = resolved
            if case .pending(let pending) = previous.state { return pending.packets }
            return []
        }
        if create, makeRoom(now: now) {
            entries[ip] = resolved
        }
        return []
    }

    /// Retries the requests that are due, gives up on addresses that did not answer
    /// ``Configuration/maximumRequests`` requests (dropping their packets, counted), and
    /// removes expired entries. Call it at ``nextDeadline``.
    public mutating func poll(now: MonotonicInstant) -> PollResult {
        var result = PollResult()
        var finished: [IPv4Address] = []
        for index in entries.indices {
            let (ip, entry) = entries[index]
            switch entry.state {
            case .resolved(let resolved):
                if resolved.expiry <= now { finished.append(ip) }
            case .pending(let pending):
                guard pending.nextRequest <= now else { continue }
                if pending.requestsSent >= configuration.maximumRequests {
                    result.droppedPackets &+= pending.packets.count
                    finished.append(ip)
                } else {
                    result.requests.append(ip)
                }
            }
        }
        for ip in finished { entries[ip] = nil }
        // Dictionary order varies between runs; callers and tests get a stable one.
        result.requests.sort()
        for ip in result.requests {
            guard let index = entries.index(forKey: ip),
                  case .pending(var pending) = entries.values[index].state else { continue }
            entries.values[index].state = .pending(Pending(requestsSent: 0, nextRequest: now, packets: []))
            pending.requestsSent &+= 1
            pending.nextRequest = now + configuration.retryInterval
            entries.values[index].state = .pending(pending)
        }
        droppedPackets &+= result.droppedPackets
        return result
    }

    /// When ``poll(now:)`` next has work to do: the earliest request retry or entry expiry;
    /// `nil` when the cache is empty.
    public var nextDeadline: MonotonicInstant? {
        var earliest: MonotonicInstant?
        for entry in entries.values {
            let deadline: MonotonicInstant
            switch entry.state {
            case .resolved(let resolved): deadline = resolved.expiry
            case .pending(let pending): deadline = pending.nextRequest
            }
            if earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        return earliest
    }

    /// A new resolution whose first request the caller sends now.
    private mutating func startPending(with packet: [UInt8], now: MonotonicInstant) -> Pending {
        let keep = configuration.pendingPacketsPerAddress > 0
        if !keep { droppedPackets &+= 1 }
        return Pending(requestsSent: 1, nextRequest: now + configuration.retryInterval,
                       packets: keep ? [packet] : [])
    }

    /// Makes room for one more entry, evicting an expired entry or else the least recently
    /// used resolved one; `false` if every entry is pending (or the capacity is zero).
    private mutating func makeRoom(now: MonotonicInstant) -> Bool {
        guard configuration.capacity > 0 else { return false }
        if entries.count < configuration.capacity { return true }
        var victim: IPv4Address?
        var victimIsExpired = false
        var victimUse = UInt64.max
        for (ip, entry) in entries {
            guard case .resolved(let resolved) = entry.state else { continue }
            let expired = resolved.expiry <= now
            // Prefer expired entries, then the oldest use.
            if (expired && !victimIsExpired) || (expired == victimIsExpired && entry.lastUse < victimUse) {
                victim = ip
                victimIsExpired = expired
                victimUse = entry.lastUse
            }
        }
        guard let victim else { return false }
        entries[victim] = nil
        return entries.count < configuration.capacity
    }
}
