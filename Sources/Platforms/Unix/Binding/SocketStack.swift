#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSwiftletUnix
import SwiftletDevices
import SwiftletRuntime

/// The host's TCP/IP stack through its sockets: the unix target's `--net socket` choice.
/// Every socket is non-blocking; a task that would block waits in the run loop, so one
/// thread serves every connection.
///
/// ```swift
/// let stack = SocketStack(loop: loop)
/// let listener = try await stack.listen(port: 8080, backlog: 128)
/// let connection = try await listener.accept()
/// while let bytes = try await connection.read(maxLength: 4096) {
///     try await connection.write(bytes)
/// }
/// ```
public struct SocketStack: NetworkStack {
    /// The loop whose tasks use the sockets.
    public let loop: RunLoop<UnixPlatform>
    /// The local address sockets bind to; `.any` for every address of the host.
    public let address: IPv4Address

    /// A stack on `loop`, binding its sockets to `address`.
    public init(loop: RunLoop<UnixPlatform>, address: IPv4Address = .any) {
        self.loop = loop
        self.address = address
    }

    /// `[address]`: the host's own addresses are the host's business.
    public var ipv4Addresses: [IPv4Address] { [address] }

    /// Listens on `port` (0 picks a free one; ``Listener/localEndpoint`` says which), with
    /// `SO_REUSEADDR` so a restarted server can take its port back at once.
    public func listen(port: UInt16, backlog: Int) async throws(NetError) -> Listener {
        let socket = try SocketDescriptor.open(datagram: false, loop: loop)
        try check(swiftlet_set_reuse_address(socket.descriptor), "setting SO_REUSEADDR")
        try bind(socket, port: port)
        try check(swiftlet_listen(socket.descriptor, Int32(clamping: backlog)), "listen")
        return Listener(socket: socket, localEndpoint: try socket.endpoint(peer: false))
    }

    /// Connects to `destination`; the connection has `TCP_NODELAY` off (the host's default).
    public func connect(to destination: IPv4Endpoint) async throws(NetError) -> Connection {
        let socket = try SocketDescriptor.open(datagram: false, loop: loop)
        if address != .any { try bind(socket, port: 0) }
        let started = swiftlet_connect(socket.descriptor, destination.address.value, destination.port)
        if started < 0 {
            guard -started == EINPROGRESS || -started == EINTR else {
                throw connectionError(-started, destination: destination)
            }
            try await socket.waitUntilReady(.writable)
            let outcome = swiftlet_socket_error(socket.descriptor)
            if outcome < 0 { throw connectionError(-outcome, destination: destination) }
        }
        return Connection(socket: socket, localEndpoint: try socket.endpoint(peer: false), remoteEndpoint: destination)
    }

    /// Binds a UDP socket to `port` (0 picks a free one).
    public func bindUDP(port: UInt16) async throws(NetError) -> Datagrams {
        let socket = try SocketDescriptor.open(datagram: true, loop: loop)
        try bind(socket, port: port)
        return Datagrams(socket: socket, localEndpoint: try socket.endpoint(peer: false))
    }

    private func bind(_ socket: SocketDescriptor, port: UInt16) throws(NetError) {
        let result = swiftlet_bind(socket.descriptor, address.value, port)
        guard result < 0 else { return }
        if -result == EADDRINUSE { throw .addressInUse(port: port) }
        throw SocketDescriptor.error(-result, "binding to \(address):\(port)")
    }

    private func connectionError(_ code: Int32, destination: IPv4Endpoint) -> NetError {
        switch code {
        case ECONNREFUSED: return .connectionRefused
        case ETIMEDOUT: return .timedOut
        case ENETUNREACH, EHOSTUNREACH: return .unreachable
        default: return SocketDescriptor.error(code, "connecting to \(destination)")
        }
    }

    // MARK: Sockets

    /// A listening TCP socket.
    public final class Listener: TCPListener {
        /// The address and port the listener is bound to.
        public let localEndpoint: IPv4Endpoint
        private let socket: SocketDescriptor

        init(socket: SocketDescriptor, localEndpoint: IPv4Endpoint) {
            self.socket = socket
            self.localEndpoint = localEndpoint
        }

        /// Waits for the next connection.
        public func accept() async throws(NetError) -> Connection {
            while true {
                guard !socket.isClosed else { throw .closed }
                var address: UInt32 = 0
                var port: UInt16 = 0
                let result = swiftlet_accept(socket.descriptor, &address, &port)
                if result >= 0 {
                    let accepted = SocketDescriptor(descriptor: result, loop: socket.loop)
                    return Connection(socket: accepted, localEndpoint: try accepted.endpoint(peer: false),
                                      remoteEndpoint: IPv4Endpoint(address: IPv4Address(address), port: port))
                }
                switch -result {
                // A connection that died in the backlog, or a signal: try the next one.
                case EINTR, ECONNABORTED, EPROTO: continue
                case EAGAIN, EWOULDBLOCK: try await socket.waitUntilReady(.readable)
                default: throw SocketDescriptor.error(-result, "accept on \(localEndpoint)")
                }
            }
        }

        /// Stops listening; waiting and later ``accept()`` calls fail with ``NetError/closed``.
        public func close() async { socket.close() }
    }

    /// A TCP connection.
    public final class Connection: TCPConnection {
        /// This side's address and port.
        public let localEndpoint: IPv4Endpoint
        /// The peer's address and port.
        public let remoteEndpoint: IPv4Endpoint
        private let socket: SocketDescriptor
        private var writeClosed = false

        init(socket: SocketDescriptor, localEndpoint: IPv4Endpoint, remoteEndpoint: IPv4Endpoint) {
            self.socket = socket
            self.localEndpoint = localEndpoint
            self.remoteEndpoint = remoteEndpoint
        }

        /// Waits for data; `nil` once the peer has closed its side and everything is read.
        public func read(maxLength: Int) async throws(NetError) -> [UInt8]? {
            guard maxLength > 0 else { throw .invalidArgument("read(maxLength: \(maxLength)) needs a positive length") }
            // Received into the loop's one scratch buffer and copied out at their size: a connection
            // waiting for data holds no buffer, and a short read costs no large allocation.
            let scratch = socket.loop.platform.receiveScratch
            while true {
                guard !socket.isClosed else { throw .closed }
                let fd = socket.descriptor
                let count = swiftlet_receive(fd, scratch.baseAddress, UInt(min(maxLength, scratch.count)))
                if count == 0 { return nil }
                if count > 0 { return Array(UnsafeRawBufferPointer(rebasing: scratch[..<Int(count)])) }
                let code = Int32(truncatingIfNeeded: -count)
                switch code {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: try await socket.waitUntilReady(.readable)
                case ECONNRESET: throw .connectionReset
                case ETIMEDOUT: throw .timedOut
                default: throw SocketDescriptor.error(code, "reading from \(remoteEndpoint)")
                }
            }
        }

        /// Sends all of `bytes`, waiting while the host's send buffer is full.
        public func write(_ bytes: [UInt8]) async throws(NetError) {
            var offset = 0
            while offset < bytes.count {
                guard !socket.isClosed, !writeClosed else { throw .closed }
                let fd = socket.descriptor
                let count = bytes.withUnsafeBytes { buffer in
                    swiftlet_send(fd, buffer.baseAddress! + offset, UInt(buffer.count - offset))
                }
                if count >= 0 {
                    offset += count
                    continue
                }
                let code = Int32(truncatingIfNeeded: -count)
                switch code {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: try await socket.waitUntilReady(.writable)
                // EPIPE: the peer is gone (we did not shut writing down: checked above).
                case ECONNRESET, EPIPE: throw .connectionReset
                case ETIMEDOUT: throw .timedOut
                default: throw SocketDescriptor.error(code, "writing to \(remoteEndpoint)")
                }
            }
        }

        /// Sends FIN after the queued bytes; reading goes on.
        public func closeWrite() async throws(NetError) {
            guard !socket.isClosed else { throw .closed }
            guard !writeClosed else { return }
            writeClosed = true
            let result = swiftlet_shutdown(socket.descriptor, 1)
            // ENOTCONN: the peer already reset the connection.
            if result < 0 && -result != ENOTCONN { throw SocketDescriptor.error(-result, "shutdown of \(remoteEndpoint)") }
        }

        /// Closes the connection; waiting reads and writes fail with ``NetError/closed``.
        public func close() async { socket.close() }
    }

    /// A UDP socket.
    public final class Datagrams: UDPSocket {
        /// The address and port the socket is bound to.
        public let localEndpoint: IPv4Endpoint
        private let socket: SocketDescriptor
        /// Big enough for any UDP payload over IPv4.
        private var buffer = [UInt8](repeating: 0, count: 65_536)

        init(socket: SocketDescriptor, localEndpoint: IPv4Endpoint) {
            self.socket = socket
            self.localEndpoint = localEndpoint
        }

        /// Sends one datagram to `destination`.
        public func send(_ bytes: [UInt8], to destination: IPv4Endpoint) async throws(NetError) {
            while true {
                guard !socket.isClosed else { throw .closed }
                let fd = socket.descriptor
                let count = bytes.withUnsafeBytes {
                    swiftlet_send_to(fd, $0.baseAddress, UInt($0.count), destination.address.value, destination.port)
                }
                if count >= 0 { return }
                let code = Int32(truncatingIfNeeded: -count)
                switch code {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK, ENOBUFS: try await socket.waitUntilReady(.writable)
                case ECONNREFUSED: throw .connectionRefused  // an earlier datagram drew ICMP port unreachable
                case ENETUNREACH, EHOSTUNREACH: throw .unreachable
                case EMSGSIZE: throw .invalidArgument("datagram of \(bytes.count) bytes is too large")
                default: throw SocketDescriptor.error(code, "sending to \(destination)")
                }
            }
        }

        /// Waits for the next datagram.
        public func receive() async throws(NetError) -> (bytes: [UInt8], source: IPv4Endpoint) {
            while true {
                guard !socket.isClosed else { throw .closed }
                let fd = socket.descriptor
                var address: UInt32 = 0
                var port: UInt16 = 0
                let count = buffer.withUnsafeMutableBytes {
                    swiftlet_receive_from(fd, $0.baseAddress, UInt($0.count), &address, &port)
                }
                if count >= 0 {
                    return (Array(buffer[0..<count]), IPv4Endpoint(address: IPv4Address(address), port: port))
                }
                let code = Int32(truncatingIfNeeded: -count)
                switch code {
                case EINTR, ECONNREFUSED: continue  // ECONNREFUSED reports an earlier send, not this datagram
                case EAGAIN, EWOULDBLOCK: try await socket.waitUntilReady(.readable)
                default: throw SocketDescriptor.error(code, "receiving on \(localEndpoint)")
                }
            }
        }

        /// Releases the port; a waiting ``receive()`` fails with ``NetError/closed``.
        public func close() async { socket.close() }
    }
}

/// A non-blocking socket and the tasks waiting on it.
///
/// Closing while tasks wait in the run loop must not free the descriptor number under them:
/// the host could hand it to a new socket, and the waiters would then sleep on a stranger.
/// So `close` shuts the socket down (which wakes every poller) and the last waiter to leave
/// closes the descriptor.
final class SocketDescriptor {
    let descriptor: Int32
    let loop: RunLoop<UnixPlatform>
    private(set) var isClosed = false
    private var waiters = 0

    init(descriptor: Int32, loop: RunLoop<UnixPlatform>) {
        self.descriptor = descriptor
        self.loop = loop
    }

    deinit { if !isClosed { _ = Glibc.close(descriptor) } }

    static func open(datagram: Bool, loop: RunLoop<UnixPlatform>) throws(NetError) -> SocketDescriptor {
        let result = swiftlet_socket(datagram ? 1 : 0)
        guard result >= 0 else { throw error(-result, "creating a socket") }
        return SocketDescriptor(descriptor: result, loop: loop)
    }

    /// Waits until the socket is ready for `direction`; throws ``NetError/closed`` if it was
    /// closed meanwhile.
    func waitUntilReady(_ direction: IOInterest.Direction) async throws(NetError) {
        waiters += 1
        await loop.waitUntilReady(IOInterest(handle: descriptor, direction: direction))
        waiters -= 1
        if isClosed {
            if waiters == 0 { _ = Glibc.close(descriptor) }
            throw .closed
        }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        if waiters == 0 {
            _ = Glibc.close(descriptor)
        } else {
            _ = swiftlet_shutdown(descriptor, 2)
        }
    }

    func endpoint(peer: Bool) throws(NetError) -> IPv4Endpoint {
        var address: UInt32 = 0
        var port: UInt16 = 0
        let result = swiftlet_socket_endpoint(descriptor, peer ? 1 : 0, &address, &port)
        guard result >= 0 else { throw Self.error(-result, peer ? "getpeername" : "getsockname") }
        return IPv4Endpoint(address: IPv4Address(address), port: port)
    }

    static func error(_ code: Int32, _ doing: String) -> NetError {
        .deviceFailure("\(doing): \(errorText(code))")
    }
}

private func check(_ result: Int32, _ doing: String) throws(NetError) {
    if result < 0 { throw SocketDescriptor.error(-result, doing) }
}
