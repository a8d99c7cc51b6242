/// The tunables of a TCP connection. The defaults suit a server on Ethernet.
public struct TCPConfiguration: Sendable {
    /// Bytes the application may queue for sending before `write` waits.
    public var sendBufferSize = 512 * 1024
    /// Bytes received in order and not yet read, at most: the largest window we advertise.
    public var receiveBufferSize = 512 * 1024
    /// Send small segments at once instead of coalescing them while data is unacknowledged
    /// (TCP_NODELAY: Nagle's algorithm, RFC 896, off).
    public var noDelay = false
    /// How long a delayed acknowledgement may wait (RFC 9293 §3.8.6.3: well under 500 ms).
    public var delayedAckTimeout: Duration = .milliseconds(40)
    /// The retransmission timeout's floor and ceiling, and its value before any RTT sample
    /// (RFC 6298; the floor is Linux's 200 ms rather than the RFC's conservative 1 s).
    public var minimumRTO: Duration = .milliseconds(200)
    /// See ``minimumRTO``.
    public var maximumRTO: Duration = .seconds(60)
    /// See ``minimumRTO``.
    public var initialRTO: Duration = .seconds(1)
    /// Retransmissions of one segment before the connection fails with ``NetError/timedOut``.
    public var maximumRetransmissions = 12
    /// Retransmissions of a SYN before `connect` fails.
    public var maximumSynRetransmissions = 6
    /// How long a closed connection stays in TIME-WAIT (2 MSL).
    public var timeWaitDuration: Duration = .seconds(60)
    /// Keep-alive probing (RFC 1122 §4.2.3.6): `nil` turns it off (the default, as for sockets).
    public var keepAlive: KeepAlive? = nil
    /// Offer window scaling, timestamps and SACK in the SYN.
    public var windowScaling = true
    /// See ``windowScaling``.
    public var timestamps = true
    /// See ``windowScaling``.
    public var selectiveAcknowledgements = true

    /// When and how often to probe an idle connection.
    public struct KeepAlive: Sendable {
        /// Idle time before the first probe.
        public var idle: Duration
        /// Time between unanswered probes.
        public var interval: Duration
        /// Unanswered probes before the connection fails with ``NetError/timedOut``.
        public var count: Int
        /// Creates a keep-alive policy (Linux defaults: 2 hours, 75 s, 9 probes).
        public init(idle: Duration = .seconds(7200), interval: Duration = .seconds(75), count: Int = 9) {
            self.idle = idle
            self.interval = interval
            self.count = count
        }
    }

    /// The defaults.
    public init() {}
}
