import SwiftletDevices

/// SYN cookies (RFC 4987 §3.6): when a listener's half-open queue is full, the stack answers a
/// SYN without keeping any state, choosing as its initial sequence number a cookie that lets it
/// rebuild the connection from the client's ACK.
///
/// The 32-bit cookie, as Linux lays it out for IPv4:
///
///     bits 31–27  a counter of 64-second ticks, modulo 32
///     bits 26–24  an index into ``maximumSegmentSizes`` (the largest not above the peer's MSS)
///     bits 23–0   a keyed hash of the 4-tuple, the client's initial sequence number and the tick
///
/// A cookie is valid for the tick it was made in and the next one (64–128 s). Only the MSS
/// survives: window scaling, SACK and timestamps are dropped (the SYN-ACK does not offer them),
/// which is what Linux does for a SYN without timestamps. Connections made from cookies work,
/// with a window of at most 64 KiB.
public struct SYNCookies: Sendable {
    /// The MSS values a cookie can encode (Linux's table for IPv4).
    public static let maximumSegmentSizes: [UInt16] = [536, 1300, 1440, 1460]
    /// The length of one tick of the cookie's clock.
    public static let tick: Duration = .seconds(64)
    /// Ticks a cookie stays valid after the one it was made in.
    public static let maximumAge: UInt32 = 1

    private let secret: (UInt64, UInt64)

    /// Cookies keyed with `secret` (from the stack's random seed).
    public init(secret: (UInt64, UInt64)) { self.secret = secret }

    /// What a valid cookie tells about the connection.
    public struct Decoded: Equatable, Sendable {
        /// The MSS the client asked for, rounded down to the table.
        public var maximumSegmentSize: UInt16
    }

    /// The cookie ISN for a SYN from `remote` to `local` with initial sequence number
    /// `clientSequence` and MSS option `peerMSS` (536 if absent), at `now`.
    public func make(local: IPv4Endpoint, remote: IPv4Endpoint, clientSequence: UInt32, peerMSS: UInt16,
                     now: MonotonicInstant) -> UInt32 {
        var index = 0
        for (candidate, size) in Self.maximumSegmentSizes.enumerated() where size <= peerMSS { index = candidate }
        let counter = Self.counter(at: now)
        return counter << 27 | UInt32(index) << 24
            | hash(local: local, remote: remote, clientSequence: clientSequence, counter: counter)
    }

    /// Checks the cookie an ACK returns: `acknowledgment - 1` must be a cookie made for this
    /// 4-tuple and `sequence - 1` (the client's ISN) no more than ``maximumAge`` ticks ago.
    public func check(local: IPv4Endpoint, remote: IPv4Endpoint, sequence: UInt32, acknowledgment: UInt32,
                      now: MonotonicInstant) -> Decoded? {
        let cookie = acknowledgment &- 1
        let clientSequence = sequence &- 1
        let index = Int(cookie >> 24 & 0x7)
        guard index < Self.maximumSegmentSizes.count else { return nil }
        let current = Self.counter(at: now)
        for age in 0...Self.maximumAge {
            let counter = (current &- age) & 0x1F
            guard cookie >> 27 == counter else { continue }
            guard cookie & 0xFF_FFFF == hash(local: local, remote: remote, clientSequence: clientSequence, counter: counter)
            else { return nil }
            return Decoded(maximumSegmentSize: Self.maximumSegmentSizes[index])
        }
        return nil
    }

    /// The tick counter at `now`, modulo 32.
    static func counter(at now: MonotonicInstant) -> UInt32 {
        UInt32(truncatingIfNeeded: now.nanoseconds / UInt64(Self.tick.nanosecondsClamped)) & 0x1F
    }

    /// 24 bits of SipHash (the standard library's `Hasher`) over the secret and the inputs.
    private func hash(local: IPv4Endpoint, remote: IPv4Endpoint, clientSequence: UInt32, counter: UInt32) -> UInt32 {
        var hasher = Hasher()
        hasher.combine(secret.0)
        hasher.combine(secret.1)
        hasher.combine(UInt64(local.address.value) << 32 | UInt64(remote.address.value))
        hasher.combine(UInt64(local.port) << 48 | UInt64(remote.port) << 32 | UInt64(clientSequence))
        hasher.combine(counter)
        return UInt32(truncatingIfNeeded: hasher.finalize()) & 0xFF_FFFF
    }
}
