import SwiftletDevices

/// Reassembles fragmented IPv4 datagrams (RFC 791 §3.2, RFC 815).
///
/// Fragments of one datagram share a ``Key``. Any overlap between fragments drops the whole
/// datagram, in the spirit of RFC 5722: overlaps are how fragment attacks disguise data.
/// Exact duplicates (same range, same bytes) are ignored, since the network may duplicate
/// packets. The reassembler does no I/O and reads no clock, never traps whatever offsets and
/// lengths it is given, and keeps the bytes it buffers below ``Configuration/maximumBytes``.
///
/// ```swift
/// var reassembler = IPv4Reassembler()
/// let key = IPv4Reassembler.Key(source: header.source, destination: header.destination,
///                               protocolNumber: header.protocolNumber,
///                               identification: header.identification)
/// switch reassembler.add(key, offset: header.fragmentOffset, moreFragments: header.moreFragments,
///                        payload: payload, now: now) {
/// case .complete(let datagram): deliver(datagram)
/// case .incomplete: break
/// case .dropped(let reason): count(reason)
/// }
/// ```
public struct IPv4Reassembler {
    /// Limits and the timeout.
    public struct Configuration: Sendable {
        /// The most datagrams being reassembled at once; fragments of more are dropped.
        public var maximumDatagrams: Int = 16
        /// The most fragment payload bytes buffered, over all datagrams.
        public var maximumBytes: Int = 256 * 1024
        /// How long after its first fragment an incomplete datagram is dropped.
        public var timeout: Duration = .seconds(30)

        /// The default configuration.
        public init() {}
    }

    /// What identifies the fragments of one datagram (RFC 791): both addresses, the protocol
    /// and the identification field.
    public struct Key: Hashable, Sendable {
        /// The sender.
        public var source: IPv4Address
        /// The receiver.
        public var destination: IPv4Address
        /// The IP protocol number (6 for TCP, 17 for UDP...).
        public var protocolNumber: UInt8
        /// The identification field.
        public var identification: UInt16

        /// Creates a key.
        public init(source: IPv4Address, destination: IPv4Address, protocolNumber: UInt8, identification: UInt16) {
            self.source = source
            self.destination = destination
            self.protocolNumber = protocolNumber
            self.identification = identification
        }
    }

    /// What became of a fragment.
    public enum Outcome: Equatable {
        /// The fragment completed its datagram: here is the whole payload.
        case complete([UInt8])
        /// The fragment is buffered (or was an exact duplicate); more are needed.
        case incomplete
        /// The fragment was dropped, and with it its datagram unless the reason is
        /// ``DropReason/tooManyDatagrams``.
        case dropped(DropReason)
    }

    /// Why a fragment was dropped.
    public enum DropReason: Equatable, Sendable {
        /// A new datagram, and ``Configuration/maximumDatagrams`` are already being reassembled.
        case tooManyDatagrams
        /// Buffering the fragment would exceed ``Configuration/maximumBytes``.
        case outOfMemory
        /// The fragment overlaps another fragment of its datagram.
        case overlap
        /// The datagram's payload would exceed 65,515 bytes (65,535 less a minimal header).
        case tooLarge
        /// The fragment contradicts the others: a second last fragment with another end, data
        /// past the end, a negative offset, or a fragment other than the last whose length is
        /// not a multiple of 8.
        case inconsistent
    }

    /// The largest payload an IPv4 datagram can carry: the total length field's maximum less
    /// the minimal header.
    public static let maximumPayload = 65535 - 20

    private struct Fragment {
        var start: Int
        var bytes: [UInt8]
        var end: Int { start + bytes.count }
    }

    private struct Datagram {
        /// Sorted by `start`, never overlapping, never empty.
        var fragments: [Fragment] = []
        /// The payload length, once the last fragment has arrived.
        var length: Int?
        /// The sum of the fragments' lengths.
        var bytes = 0
        var deadline: MonotonicInstant
    }

    /// The configuration the reassembler was created with.
    public let configuration: Configuration
    private var datagrams: [Key: Datagram] = [:]

    /// The fragment payload bytes buffered, over all incomplete datagrams.
    public private(set) var bufferedBytes: Int = 0

    /// Creates an empty reassembler.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The number of datagrams being reassembled.
    public var count: Int { datagrams.count }

    /// Adds one fragment of the datagram `key`.
    ///
    /// - Parameters:
    ///   - offset: Where the payload goes in the datagram's payload, in bytes (the header's
    ///     fragment offset times 8).
    ///   - moreFragments: The header's MF flag: false for the last fragment.
    ///   - payload: The fragment's payload, after the IPv4 header.
    /// - Returns: The whole payload once every byte from 0 to the end of the last fragment has
    ///   arrived; `.incomplete` until then; `.dropped` when the fragment (and its datagram) is
    ///   dropped.
    public mutating func add(_ key: Key, offset: Int, moreFragments: Bool, payload: ArraySlice<UInt8>,
                             now: MonotonicInstant) -> Outcome {
        // Checked before adding so that no offset or length can overflow.
        let reason: DropReason?
        if offset < 0 {
            reason = .inconsistent
        } else if offset > Self.maximumPayload || payload.count > Self.maximumPayload - offset {
            reason = .tooLarge
        } else if moreFragments && payload.count % 8 != 0 {
            reason = .inconsistent
        } else {
            reason = nil
        }
        var index = datagrams.index(forKey: key)
        if let found = index, datagrams.values[found].deadline <= now {
            // Timed out but not yet expired: this fragment starts afresh.
            remove(at: found)
            index = nil
        }
        if let reason {
            if let index { remove(at: index) }
            return .dropped(reason)
        }
        let end = offset + payload.count
        guard let index else {
            if offset == 0 && !moreFragments { return .complete(Array(payload)) }
            return startDatagram(key, offset: offset, moreFragments: moreFragments, payload: payload, now: now)
        }

        let position: Int?
        switch Self.place(offset: offset, moreFragments: moreFragments, payload: payload, in: datagrams.values[index]) {
        case .drop(let reason):
            remove(at: index)
            return .dropped(reason)
        case .duplicate:
            position = nil
        case .insert(let at):
            guard payload.count <= configuration.maximumBytes - bufferedBytes else {
                remove(at: index)
                return .dropped(.outOfMemory)
            }
            position = at
        }

        // Take the datagram out while editing so its fragment list is not copied.
        var updated = datagrams.remove(at: index).value
        if !moreFragments { updated.length = end }
        if let position, !payload.isEmpty {
            updated.fragments.insert(Fragment(start: offset, bytes: Array(payload)), at: position)
            updated.bytes += payload.count
            bufferedBytes += payload.count
        }
        if let length = updated.length, updated.bytes == length {
            // The fragments lie within 0..<length without overlapping and add up to it: they
            // cover it exactly.
            bufferedBytes -= updated.bytes
            var whole: [UInt8] = []
            whole.reserveCapacity(length)
            for fragment in updated.fragments { whole.append(contentsOf: fragment.bytes) }
            return .complete(whole)
        }
        datagrams[key] = updated
        return .incomplete
    }

    private enum Placement {
        case drop(DropReason)
        case duplicate
        case insert(at: Int)
    }

    /// Checks a fragment, already checked on its own, against the rest of its datagram.
    private static func place(offset: Int, moreFragments: Bool, payload: ArraySlice<UInt8>,
                              in datagram: Datagram) -> Placement {
        let end = offset + payload.count
        if !moreFragments {
            let lastEnd = datagram.fragments.last?.end ?? 0
            guard datagram.length.map({ $0 == end }) ?? true, lastEnd <= end else { return .drop(.inconsistent) }
        } else if let length = datagram.length, end > length {
            return .drop(.inconsistent)
        }
        // Where the fragment goes: before the first fragment that starts at or after it.
        var low = 0
        var high = datagram.fragments.count
        while low < high {
            let middle = low + (high - low) / 2
            if datagram.fragments[middle].start < offset { low = middle + 1 } else { high = middle }
        }
        // An empty fragment overlaps nothing and is not stored; it can only have set the end.
        guard !payload.isEmpty else { return .duplicate }
        if low > 0, datagram.fragments[low - 1].end > offset { return .drop(.overlap) }
        if low < datagram.fragments.count, datagram.fragments[low].start < end {
            let next = datagram.fragments[low]
            let same = next.start == offset && next.bytes.count == payload.count && next.bytes[...] == payload
            return same ? .duplicate : .drop(.overlap)
        }
        return .insert(at: low)
    }

    /// Drops the datagrams whose timeout has passed; returns how many.
    public mutating func expire(now: MonotonicInstant) -> Int {
        var expired: [Key] = []
        for (key, datagram) in datagrams where datagram.deadline <= now { expired.append(key) }
        for key in expired {
            if let index = datagrams.index(forKey: key) { remove(at: index) }
        }
        return expired.count
    }

    /// When ``expire(now:)`` next has work to do: the earliest timeout; `nil` when nothing is
    /// being reassembled.
    public var nextDeadline: MonotonicInstant? {
        var earliest: MonotonicInstant?
        for datagram in datagrams.values where earliest.map({ datagram.deadline < $0 }) ?? true {
            earliest = datagram.deadline
        }
        return earliest
    }

    /// Buffers the first fragment of a datagram, already checked on its own.
    private mutating func startDatagram(_ key: Key, offset: Int, moreFragments: Bool, payload: ArraySlice<UInt8>,
                                        now: MonotonicInstant) -> Outcome {
        if datagrams.count >= configuration.maximumDatagrams || payload.count > configuration.maximumBytes - bufferedBytes {
            // Stale datagrams may be holding the room.
            _ = expire(now: now)
        }
        guard datagrams.count < configuration.maximumDatagrams else { return .dropped(.tooManyDatagrams) }
        guard payload.count <= configuration.maximumBytes - bufferedBytes else { return .dropped(.outOfMemory) }
        var datagram = Datagram(deadline: now + configuration.timeout)
        if !moreFragments { datagram.length = offset + payload.count }
        if !payload.isEmpty {
            datagram.fragments.append(Fragment(start: offset, bytes: Array(payload)))
            datagram.bytes = payload.count
            bufferedBytes += payload.count
        }
        datagrams[key] = datagram
        return .incomplete
    }

    private mutating func remove(at index: Dictionary<Key, Datagram>.Index) {
        bufferedBytes -= datagrams.values[index].bytes
        datagrams.remove(at: index)
    }
}
