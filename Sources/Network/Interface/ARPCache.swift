import SwiftletDevices
import SwiftletRuntime

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
        /// The most entries, resolved and pending together. Beyond it the oldest entry that is
        /// neither live nor pending is evicted; if there is none, the new entry is refused
        /// (counted). An entry is live once a reply to our own request confirmed it or we sent
        /// to it: live entries stay until they expire, whatever a flood of spoofed ARP packets does.
        public var capacity: Int = 1024
        /// The most addresses being resolved at once, so traffic to addresses that never answer
        /// (a SYN flood from spoofed on-link sources) cannot take the table. Re-resolving an
        /// expired entry is always allowed.
        public var maximumPending: Int = 64
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
        /// The value of `useCounter` when the entry was made or last used.
        var lastUse: UInt64
        /// Confirmed by a reply to our request, or used to send: not evicted before it expires.
        var live = false
    }

    /// An entry learned from an unsolicited packet, in the order they were made: the eviction
    /// candidates, checked lazily (`stamp` is the entry's `lastUse` when it was queued).
    private struct Candidate {
        var ip: IPv4Address
        var stamp: UInt64
    }

    /// The configuration the cache was created with.
    public let configuration: Configuration
    private var entries: [IPv4Address: Entry] = [:]
    // A counter rather than instants orders uses within the same instant, and keeps eviction
    // deterministic.
    private var useCounter: UInt64 = 0
    private var candidates = RingBuffer<Candidate>()
    private var pendingCount = 0
    /// The earliest deadline of any entry, kept up to date so that asking costs nothing.
    private var earliest: MonotonicInstant?

    /// The packets dropped for any reason since the cache was created: a full per-address
    /// queue, a refused resolution, or an address that never answered.
    public private(set) var droppedPackets: Int = 0
    /// Addresses not learned because the table was full of live and pending entries.
    public private(set) var refusedEntries: Int = 0

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
                entries.values[index].live = true
                return .resolved(resolved.mac)
            case .resolved(let resolved):
                // Expired: resolve again, in the entry's existing slot.
                let pending = startPending(with: packet(), now: now)
                entries.values[index].state = .pending(pending)
                pendingCount += 1
                deadlineChanged(from: resolved.expiry, to: pending.nextRequest)
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
        guard pendingCount < configuration.maximumPending, makeRoom(now: now) else {
            droppedPackets &+= 1
            return .refused
        }
        let pending = startPending(with: packet(), now: now)
        entries[ip] = Entry(state: .pending(pending), lastUse: useCounter)
        pendingCount += 1
        deadlineChanged(from: nil, to: pending.nextRequest)
        return .sendRequest
    }

    /// Learns that `ip` is at `mac`, from an ARP request addressed to us or from a reply.
    ///
    /// Following RFC 826's merge rule, an existing entry (pending, resolved or expired) is
    /// always updated; a new one is created only when `create` is true and there is room.
    /// Returns the packets that were waiting for `ip`, oldest first, to send to `mac` now.
    public mutating func learn(_ ip: IPv4Address, is mac: MACAddress, now: MonotonicInstant, create: Bool) -> [[UInt8]] {
        useCounter &+= 1
        let expiry = now + configuration.entryLifetime
        var resolved = Entry(state: .resolved(Resolved(mac: mac, expiry: expiry)), lastUse: useCounter)
        if let index = entries.index(forKey: ip) {
            let previous = entries.values[index]
            switch previous.state {
            case .pending(let pending):
                // The answer to our own request confirms the entry.
                resolved.live = true
                entries.values[index] = resolved
                pendingCount -= 1
                deadlineChanged(from: pending.nextRequest, to: expiry)
                return pending.packets
            case .resolved(let old):
                resolved.live = previous.live
                resolved.lastUse = previous.lastUse
                entries.values[index] = resolved
                deadlineChanged(from: old.expiry, to: expiry)
                return []
            }
        }
        guard create else { return [] }
        if makeRoom(now: now) {
            entries[ip] = resolved
            candidates.append(Candidate(ip: ip, stamp: resolved.lastUse))
            if candidates.count > 2 * configuration.capacity + 16 { compactCandidates() }
            deadlineChanged(from: nil, to: expiry)
        } else {
            refusedEntries &+= 1
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
        for ip in finished {
            if case .pending = entries[ip]?.state { pendingCount -= 1 }
            entries[ip] = nil
        }
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
        recomputeEarliest()
        return result
    }

    /// When ``poll(now:)`` next has work to do: the earliest request retry or entry expiry;
    /// `nil` when the cache is empty.
    public var nextDeadline: MonotonicInstant? { earliest }

    /// Keeps ``nextDeadline`` exact when one entry's deadline moves; scans the table only when
    /// the entry that had the earliest deadline got a later one.
    private mutating func deadlineChanged(from old: MonotonicInstant?, to new: MonotonicInstant?) {
        if let new, earliest.map({ new < $0 }) ?? true {
            earliest = new
        } else if let old, old == earliest, new != old {
            recomputeEarliest()
        }
    }

    private mutating func recomputeEarliest() {
        earliest = nil
        for entry in entries.values {
            let deadline: MonotonicInstant
            switch entry.state {
            case .resolved(let resolved): deadline = resolved.expiry
            case .pending(let pending): deadline = pending.nextRequest
            }
            if earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
    }

    /// A new resolution whose first request the caller sends now.
    private mutating func startPending(with packet: [UInt8], now: MonotonicInstant) -> Pending {
        let keep = configuration.pendingPacketsPerAddress > 0
        if !keep { droppedPackets &+= 1 }
        return Pending(requestsSent: 1, nextRequest: now + configuration.retryInterval,
                       packets: keep ? [packet] : [])
    }

    /// Makes room for one more entry: evicts an expired entry, else the oldest entry learned
    /// from an unsolicited packet that is not live; `false` if there is none (or the capacity
    /// is zero). Costs O(1) amortised unless an entry has expired and no poll removed it yet.
    private mutating func makeRoom(now: MonotonicInstant) -> Bool {
        guard configuration.capacity > 0 else { return false }
        if entries.count < configuration.capacity { return true }
        if let earliest, earliest <= now {
            for (ip, entry) in entries {
                guard case .resolved(let resolved) = entry.state, resolved.expiry <= now else { continue }
                entries[ip] = nil
                recomputeEarliest()
                return true
            }
        }
        while let candidate = candidates.popFirst() {
            guard let entry = entries[candidate.ip], entry.lastUse == candidate.stamp, !entry.live,
                  case .resolved(let resolved) = entry.state else { continue }
            entries[candidate.ip] = nil
            deadlineChanged(from: resolved.expiry, to: nil)
            return true
        }
        return false
    }

    /// Drops the candidates whose entries went away or became live.
    private mutating func compactCandidates() {
        var kept = RingBuffer<Candidate>()
        while let candidate = candidates.popFirst() {
            if let entry = entries[candidate.ip], entry.lastUse == candidate.stamp, !entry.live { kept.append(candidate) }
        }
        candidates = kept
    }
}
