/// The states of a TCP connection (RFC 9293 §3.3.2). LISTEN belongs to listeners, not
/// connections, in this stack.
public enum TCPState: Equatable, Sendable, CustomStringConvertible {
    case synSent, synReceived, established, finWait1, finWait2, closeWait, closing, lastAck, timeWait, closed

    /// Whether both SYNs have been exchanged.
    var isSynchronized: Bool {
        switch self {
        case .synSent, .synReceived, .closed: false
        default: true
        }
    }

    /// Whether the peer may still send data (it has not sent its FIN).
    var peerMaySend: Bool {
        switch self {
        case .synReceived, .established, .finWait1, .finWait2: true
        default: false
        }
    }

    /// Whether this side may still queue data (it has not closed its sending side).
    var maySend: Bool {
        switch self {
        case .synSent, .synReceived, .established, .closeWait: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .synSent: "SYN-SENT"
        case .synReceived: "SYN-RECEIVED"
        case .established: "ESTABLISHED"
        case .finWait1: "FIN-WAIT-1"
        case .finWait2: "FIN-WAIT-2"
        case .closeWait: "CLOSE-WAIT"
        case .closing: "CLOSING"
        case .lastAck: "LAST-ACK"
        case .timeWait: "TIME-WAIT"
        case .closed: "CLOSED"
        }
    }
}
