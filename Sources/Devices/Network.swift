/// Why a network operation failed.
public enum NetError: Error, Equatable, Sendable {
    /// The peer refused the connection (TCP RST in reply to SYN, or ICMP port unreachable).
    case connectionRefused
    /// The peer reset an established connection.
    case connectionReset
    /// The peer did not answer in time.
    case timedOut
    /// No route to the destination, or its link-layer address could not be resolved.
    case unreachable
    /// The local port is taken.
    case addressInUse(port: UInt16)
    /// The socket or device was closed by this side.
    case closed
    /// An argument was out of range; the text says which.
    case invalidArgument(String)
    /// The device or host failed; the text says what it reported.
    case deviceFailure(String)
}

/// An Ethernet interface: sends and receives whole frames (MirageOS's `Mirage_net.S`,
/// Solo5's `solo5_net_*`). Our TCP/IP stack runs on top of any value of this type.
public protocol NetworkInterface {
    /// The interface's own hardware address.
    var macAddress: MACAddress { get }
    /// The largest IP packet a frame can carry (1500 on Ethernet).
    var mtu: Int { get }

    /// Waits for the next frame and copies it to the front of `buffer`, which must hold
    /// at least `mtu + 14` bytes. Returns the frame's length.
    func receive(into buffer: inout [UInt8]) async throws(NetError) -> Int

    /// Sends one frame (Ethernet header included, no FCS).
    func transmit(_ frame: [UInt8]) async throws(NetError)
}

/// One TCP connection: a reliable, ordered byte stream in each direction (MirageOS's flow).
public protocol TCPConnection {
    /// This side's address and port.
    var localEndpoint: IPv4Endpoint { get }
    /// The peer's address and port.
    var remoteEndpoint: IPv4Endpoint { get }

    /// Waits for data and returns up to `maxLength` bytes of it, or `nil` once the peer has
    /// closed its side and every byte has been read.
    func read(maxLength: Int) async throws(NetError) -> [UInt8]?

    /// Queues all of `bytes` for sending; waits while the send buffer is full.
    func write(_ bytes: [UInt8]) async throws(NetError)

    /// Closes the sending side (TCP FIN) once the queued bytes are sent; reading goes on.
    func closeWrite() async throws(NetError)

    /// Closes both directions and releases the connection.
    func close() async
}

/// A listening TCP socket.
public protocol TCPListener {
    /// The kind of connection this listener accepts.
    associatedtype Connection: TCPConnection

    /// The address and port the listener is bound to.
    var localEndpoint: IPv4Endpoint { get }

    /// Waits for the next established connection.
    func accept() async throws(NetError) -> Connection

    /// Stops listening; pending and future `accept` calls fail with ``NetError/closed``.
    func close() async
}

/// A bound UDP socket.
public protocol UDPSocket {
    /// The address and port the socket is bound to.
    var localEndpoint: IPv4Endpoint { get }

    /// Sends one datagram.
    func send(_ bytes: [UInt8], to destination: IPv4Endpoint) async throws(NetError)

    /// Waits for the next datagram.
    func receive() async throws(NetError) -> (bytes: [UInt8], source: IPv4Endpoint)

    /// Releases the port.
    func close() async
}

/// A TCP/IP stack: the host's sockets (`--net socket`) or Swiftlet's own stack over a
/// ``NetworkInterface`` (`--net direct`). Applications are generic over it, so one source
/// runs on both (MirageOS's `Mirage_stack.V4`).
///
/// ```swift
/// struct Echo<Stack: NetworkStack> {
///     let stack: Stack
///     func start() async throws(NetError) {
///         let listener = try await stack.listen(port: 8080, backlog: 128)
///         while true {
///             let connection = try await listener.accept()
///             while let bytes = try await connection.read(maxLength: 4096) {
///                 try await connection.write(bytes)
///             }
///             await connection.close()
///         }
///     }
/// }
/// ```
public protocol NetworkStack {
    /// The stack's listening socket type.
    associatedtype Listener: TCPListener
    /// The stack's UDP socket type.
    associatedtype Datagrams: UDPSocket

    /// The stack's own IPv4 addresses.
    var ipv4Addresses: [IPv4Address] { get }

    /// Listens for TCP connections on `port` of every local address, keeping at most `backlog`
    /// established connections waiting for ``TCPListener/accept()``.
    // No `listen(port:)` convenience with a default backlog: as a protocol extension it crashes
    // the 6.3.1 compiler in Embedded mode (SILGen of async typed-throws extension methods).
    func listen(port: UInt16, backlog: Int) async throws(NetError) -> Listener

    /// Opens a TCP connection to `destination`.
    func connect(to destination: IPv4Endpoint) async throws(NetError) -> Listener.Connection

    /// Binds a UDP socket to `port` (0 picks a free one).
    func bindUDP(port: UInt16) async throws(NetError) -> Datagrams
}

extension NetError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .connectionRefused: "connection refused"
        case .connectionReset: "connection reset by peer"
        case .timedOut: "timed out"
        case .unreachable: "unreachable"
        case .addressInUse(let port): "port \(port) is in use"
        case .closed: "closed"
        case .invalidArgument(let text): "invalid argument: \(text)"
        case .deviceFailure(let text): "device failure: \(text)"
        }
    }
}
