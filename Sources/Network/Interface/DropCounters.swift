/// Why the stack dropped an incoming frame or an outgoing packet.
public enum DropReason: Int, Sendable, CustomStringConvertible {
    case truncated, badChecksum, badVersion, badLength, unsupported, badOptions
    /// Addressed to another host (MAC or IP).
    case notForUs
    /// An IP protocol this stack does not speak.
    case unknownProtocol
    /// A fragment the reassembler refused (limits, overlap, inconsistent), or timed out.
    case fragment
    /// Waited too long for ARP, or the ARP queue was full.
    case unresolved
    /// No route to the destination (off-link and no gateway).
    case noRoute
    /// A TCP segment for no connection or listener (answered with RST).
    case noConnection
    /// A SYN refused because the half-open limit was full and SYN cookies are off.
    case synQueueFull
    /// A SYN, or the ACK of a SYN cookie, refused because the listener's accept queue (its
    /// backlog) was full.
    case acceptQueueFull
    /// An ACK to a listening port, while SYN cookies were in use, that carried no valid cookie
    /// (forged or expired); answered with RST.
    case badSYNCookie
    /// An ARP packet addressed to us whose sender could not be cached: the table was full of
    /// live and pending entries (a flood from spoofed sources).
    case arpTableFull
    /// A UDP datagram for a port nobody listens on (answered with ICMP port unreachable).
    case noSocket
    /// A socket's receive queue was full.
    case queueFull
    /// The link refused to send.
    case transmitFailed

    /// Every reason, in order.
    public static let all: [DropReason] = [
        .truncated, .badChecksum, .badVersion, .badLength, .unsupported, .badOptions, .notForUs,
        .unknownProtocol, .fragment, .unresolved, .noRoute, .noConnection, .synQueueFull,
        .acceptQueueFull, .badSYNCookie, .arpTableFull, .noSocket, .queueFull, .transmitFailed,
    ]

    /// The reason for a parse failure.
    public init(_ error: WireError) {
        switch error {
        case .truncated: self = .truncated
        case .badChecksum: self = .badChecksum
        case .badVersion: self = .badVersion
        case .badLength: self = .badLength
        case .unsupported: self = .unsupported
        case .badOptions: self = .badOptions
        }
    }

    public var description: String {
        switch self {
        case .truncated: "truncated"
        case .badChecksum: "bad-checksum"
        case .badVersion: "bad-version"
        case .badLength: "bad-length"
        case .unsupported: "unsupported"
        case .badOptions: "bad-options"
        case .notForUs: "not-for-us"
        case .unknownProtocol: "unknown-protocol"
        case .fragment: "fragment"
        case .unresolved: "unresolved"
        case .noRoute: "no-route"
        case .noConnection: "no-connection"
        case .synQueueFull: "syn-queue-full"
        case .acceptQueueFull: "accept-queue-full"
        case .badSYNCookie: "bad-syn-cookie"
        case .arpTableFull: "arp-table-full"
        case .noSocket: "no-socket"
        case .queueFull: "queue-full"
        case .transmitFailed: "transmit-failed"
        }
    }
}

/// How many packets the stack dropped, by reason.
public struct DropCounters: Sendable, CustomStringConvertible {
    private var counts = [Int](repeating: 0, count: DropReason.all.count)

    /// All zero.
    public init() {}

    /// Counts one drop.
    public mutating func count(_ reason: DropReason, _ number: Int = 1) { counts[reason.rawValue] += number }

    /// Drops for `reason`.
    public subscript(reason: DropReason) -> Int { counts[reason.rawValue] }

    /// Drops for every reason.
    public var total: Int { counts.reduce(0, +) }

    /// The non-zero counters: `bad-checksum=2 not-for-us=14`.
    public var description: String {
        var parts: [String] = []
        for reason in DropReason.all where self[reason] > 0 { parts.append("\(reason)=\(self[reason])") }
        return parts.isEmpty ? "none" : parts.joined(separator: " ")
    }
}
