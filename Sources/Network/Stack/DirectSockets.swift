import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices
import SwiftletRuntime

/// A TCP connection of a ``DirectStack``.
public final class DirectConnection<Link: NetworkInterface, P: Platform>: TCPConnection {
    let stack: DirectStack<Link, P>
    let key: ConnectionKey
    /// The protocol state; the stack feeds it segments and time.
    var tcb: TCPControlBlock
    /// The listener that accepted the connection, until the handshake ends.
    private var listener: DirectListener<Link, P>?
    /// Tasks waiting for data, room, or a change of state.
    let waiters = WaitQueue()
    private var forgotten = false
    /// The deadline of this connection's live entry in the stack's timer heap.
    var armedDeadline: MonotonicInstant?
    /// Whether the stack has let go of the connection.
    var isForgotten: Bool { forgotten }

    init(stack: DirectStack<Link, P>, key: ConnectionKey, tcb: TCPControlBlock, listener: DirectListener<Link, P>?) {
        self.stack = stack
        self.key = key
        self.tcb = tcb
        self.listener = listener
    }

    public var localEndpoint: IPv4Endpoint { key.local }
    public var remoteEndpoint: IPv4Endpoint { key.remote }
    /// The connection's TCP state.
    public var state: TCPState { tcb.state }

    public func read(maxLength: Int) async throws(NetError) -> [UInt8]? {
        guard maxLength > 0 else { throw .invalidArgument("read needs a positive maxLength, not \(maxLength)") }
        while true {
            let seen = waiters.generation
            if tcb.readableBytes > 0 {
                let bytes = tcb.read(maxLength: maxLength)
                afterApplicationCall()
                await stack.flush()
                return bytes
            }
            if let error = tcb.error, error != .closed { throw error }
            if tcb.isReadFinished { return nil }
            await waiters.wait(after: seen)
        }
    }

    public func write(_ bytes: [UInt8]) async throws(NetError) {
        var offset = 0
        while offset < bytes.count {
            let seen = waiters.generation
            if let error = tcb.error { throw error }
            guard !tcb.isWriteClosed else { throw .closed }
            let taken = tcb.write(bytes[offset...])
            offset += taken
            if taken > 0 {
                afterApplicationCall()
                await stack.flush()
            }
            if offset < bytes.count, tcb.writableBytes == 0 { await waiters.wait(after: seen) }
        }
    }

    public func closeWrite() async throws(NetError) {
        if let error = tcb.error { throw error }
        tcb.closeWrite()
        afterApplicationCall()
        await stack.flush()
    }

    public func close() async {
        tcb.close()
        afterApplicationCall()
        await stack.flush()
    }

    /// Sends what the call made possible and updates waiters and timers.
    private func afterApplicationCall() {
        let now = stack.now()
        tcb.transmit(now: now, emit: stack.emitter(for: key, now: now))
        changed(now: now)
    }

    /// Called after anything happened to `tcb`: hands a finished handshake to the listener,
    /// wakes waiting tasks, arms the timers, and forgets the connection once it is closed.
    func changed(now: MonotonicInstant, scheduling: Bool = true) {
        if let listener, tcb.state != .synReceived {
            self.listener = nil
            listener.halfOpen -= 1
            stack.halfOpenConnections -= 1
            if tcb.state.isSynchronized && tcb.error == nil {
                listener.enqueue(self)
            }
        }
        waiters.wakeAll()
        if tcb.state == .closed {
            forget()
        } else if scheduling {
            stack.arm(self)
        }
    }

    /// Removes the connection from the stack's table: later segments for it get a reset.
    func forget() {
        guard !forgotten else { return }
        forgotten = true
        armedDeadline = nil
        if let listener {
            self.listener = nil
            listener.halfOpen -= 1
            stack.halfOpenConnections -= 1
        }
        if stack.connections[key] === self { stack.connections[key] = nil }
        waiters.wakeAll()
    }
}

/// A listening TCP port of a ``DirectStack``.
public final class DirectListener<Link: NetworkInterface, P: Platform>: TCPListener {
    public typealias Connection = DirectConnection<Link, P>

    let stack: DirectStack<Link, P>
    public let localEndpoint: IPv4Endpoint
    /// Established connections not accepted yet, at most.
    let backlog: Int
    /// Handshakes in progress, at most; beyond, SYN cookies.
    let halfOpenLimit: Int
    /// Established connections not accepted yet.
    private(set) var pending = RingBuffer<Connection>()
    /// Handshakes in progress.
    var halfOpen = 0
    private let acceptors = WaitQueue()
    private var closed = false

    init(stack: DirectStack<Link, P>, endpoint: IPv4Endpoint, backlog: Int, halfOpenLimit: Int) {
        self.stack = stack
        localEndpoint = endpoint
        self.backlog = backlog
        self.halfOpenLimit = halfOpenLimit
    }

    func enqueue(_ connection: Connection) {
        pending.append(connection)
        acceptors.wakeAll()
    }

    public func accept() async throws(NetError) -> Connection {
        while true {
            let seen = acceptors.generation
            if closed { throw .closed }
            if let connection = pending.popFirst() { return connection }
            await acceptors.wait(after: seen)
        }
    }

    public func close() async {
        guard !closed else { return }
        closed = true
        if stack.listeners[localEndpoint.port] === self { stack.listeners[localEndpoint.port] = nil }
        let now = stack.now()
        while let connection = pending.popFirst() {
            connection.tcb.abort(now: now, emit: stack.emitter(for: connection.key, now: now))
            connection.changed(now: now)
        }
        acceptors.wakeAll()
        await stack.flush()
    }
}

/// A bound UDP port of a ``DirectStack``.
public final class DirectUDPSocket<Link: NetworkInterface, P: Platform>: UDPSocket {
    /// One received datagram.
    struct Datagram {
        var bytes: [UInt8]
        var source: IPv4Endpoint
    }

    let stack: DirectStack<Link, P>
    public let localEndpoint: IPv4Endpoint
    private let queueLength: Int
    private var queue = RingBuffer<Datagram>()
    private let receivers = WaitQueue()
    private var closed = false

    init(stack: DirectStack<Link, P>, endpoint: IPv4Endpoint, queueLength: Int) {
        self.stack = stack
        localEndpoint = endpoint
        self.queueLength = queueLength
    }

    func deliver(_ bytes: [UInt8], from source: IPv4Endpoint) {
        guard queue.count < queueLength else {
            stack.interface.countDrop(.queueFull)
            return
        }
        queue.append(Datagram(bytes: bytes, source: source))
        receivers.wakeAll()
    }

    public func send(_ bytes: [UInt8], to destination: IPv4Endpoint) async throws(NetError) {
        guard !closed else { throw .closed }
        try stack.sendUDP(bytes[...], from: localEndpoint.port, to: destination)
        await stack.flush()
    }

    public func receive() async throws(NetError) -> (bytes: [UInt8], source: IPv4Endpoint) {
        while true {
            let seen = receivers.generation
            if closed { throw .closed }
            if let datagram = queue.popFirst() {
                return (datagram.bytes, datagram.source)
            }
            await receivers.wait(after: seen)
        }
    }

    public func close() async {
        closed = true
        if stack.udpSockets[localEndpoint.port] === self { stack.udpSockets[localEndpoint.port] = nil }
        receivers.wakeAll()
    }
}

