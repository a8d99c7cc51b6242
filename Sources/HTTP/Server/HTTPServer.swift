import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices
import SwiftletRuntime

/// Swiftlet's HTTP/1.1 server, over any ``NetworkStack``: host sockets or Swiftlet's own stack.
///
/// Keep-alive and pipelining, Content-Length and chunked bodies both ways, streamed responses,
/// HEAD, conditional GET (ETag/If-None-Match, Last-Modified/If-Modified-Since), Date and
/// Server headers; limits on the request line, header section and body (414, 431, 413), idle,
/// header, body and write timeouts, a bound on open connections (beyond which new ones wait in
/// the backlog), and graceful shutdown.
///
/// An application gets one from config.swift's `.http()` device and only sees ``HTTPServing``.
public final class HTTPServer<Stack: NetworkStack, Time: TimeDevice, Clock: MonotonicClock, Wall: WallClock>: HTTPServing {
    public typealias Connection = Stack.Listener.Connection

    public var configuration: HTTPServerConfiguration
    public private(set) var statistics = HTTPServerStatistics()

    private let stack: Stack
    private let time: Time
    private let clock: Clock
    private let wallClock: Wall
    private let spawn: (@escaping () async -> Void) -> Void
    private var listener: Stack.Listener?
    private var connections: [Int: ConnectionState] = [:]
    private var nextConnectionID = 0
    private var reaperRunning = false
    /// The accept loop, while it waits for a connection to end (see ``HTTPServerConfiguration/maxConnections``).
    private var slotWaiter: UnsafeContinuation<Void, Never>?
    /// Every open connection's next deadline, soonest first: the reaper looks only at what is
    /// due, never at every connection. Cancelling is lazy: a connection whose deadline moved
    /// later keeps its entry, which is put back at the new deadline when it comes up.
    private var deadlines = TimerHeap<ConnectionState>()
    private var isShuttingDown = false
    private var shutdownDeadline: MonotonicInstant?
    private var cachedDate: (second: Int64, bytes: [UInt8]) = (-1, [])
    private let log = Logger(source: "http")

    /// A server on `stack` that keeps time with `time` and `clock` and dates responses by `wallClock`.
    /// Each connection is served by its own task, started with `spawn` (a plain `Task` unless
    /// the caller wants them on a particular executor, as tests on simulated time do).
    public init(stack: Stack, time: Time, clock: Clock, wallClock: Wall,
                configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
                spawn: @escaping (@escaping () async -> Void) -> Void = { body in Task { await body() } }) {
        self.spawn = spawn
        self.stack = stack
        self.time = time
        self.clock = clock
        self.wallClock = wallClock
        self.configuration = configuration
    }

    // MARK: Accepting

    public func serve(port: UInt16, handler: @escaping HTTPHandler) async throws(NetError) {
        let listener = try await stack.listen(port: port, backlog: configuration.backlog)
        self.listener = listener
        log.info("serving HTTP on port \(port)")
        var failures = 0
        while !isShuttingDown {
            // At the bound, accept nothing until a connection ends: the rest wait in the backlog.
            if connections.count >= configuration.maxConnections {
                statistics.acceptPauses += 1
                while connections.count >= configuration.maxConnections && !isShuttingDown {
                    await withUnsafeContinuation { slotWaiter = $0 }
                }
                continue
            }
            let connection: Connection
            do {
                connection = try await listener.accept()
                failures = 0
            } catch {
                if isShuttingDown || error == .closed { break }
                // Out of descriptors or memory: wait for connections to end, then go on.
                failures += 1
                if failures == 1 { log.warning("accept failed: \(error)") }
                await time.sleep(for: .milliseconds(min(100, 5 * failures)))
                continue
            }
            statistics.connectionsAccepted += 1
            guard !isShuttingDown else {
                await connection.close()
                break
            }
            let id = nextConnectionID
            nextConnectionID += 1
            let state = ConnectionState(connection: connection, deadline: clock.now() + configuration.headerTimeout)
            connections[id] = state
            statistics.connectionsOpen = connections.count
            schedule(state)
            startReaper()
            spawn {
                await self.run(state, handler: handler)
                state.isFinished = true
                self.connections[id] = nil
                self.statistics.connectionsOpen = self.connections.count
                self.resumeAccepting()
            }
        }
        // Drain: the reaper closes what is left when the grace period ends; handlers that never
        // return are not waited for past that.
        let limit = (shutdownDeadline ?? clock.now()) + .seconds(1)
        while !connections.isEmpty && clock.now() < limit {
            await time.sleep(for: .milliseconds(10))
        }
        log.info("stopped serving HTTP on port \(port)")
    }

    public func shutdown(gracePeriod: Duration) async {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        let deadline = clock.now() + gracePeriod
        shutdownDeadline = deadline
        for state in Array(connections.values) {
            if state.phase == .idle {
                await state.connection.close()
            } else {
                state.deadline = min(state.deadline, deadline)
                schedule(state)
            }
        }
        resumeAccepting()
        await listener?.close()
    }

    /// Lets the accept loop go on, if it waits for a free slot.
    private func resumeAccepting() {
        guard let waiter = slotWaiter else { return }
        slotWaiter = nil
        waiter.resume()
    }

    // MARK: Timeouts

    /// What a connection is doing, for its timeout.
    enum Phase {
        /// Waiting for the next request on a kept-alive connection.
        case idle
        /// Receiving a request line and header section.
        case readingHead
        /// Receiving a body.
        case readingBody
        /// In the application's handler: no timeout.
        case handling
        /// Sending a response.
        case writing
        /// Sent its last response; draining what the client still sends before closing.
        case closing
    }

    final class ConnectionState {
        let connection: Connection
        var deadline: MonotonicInstant
        var phase = Phase.readingHead
        var timedOut = false
        /// Whether part of a request has arrived: only then does a timeout get a 408 (a browser's
        /// preconnected socket that never sent anything is just closed).
        var hasPartialRequest = false
        /// The deadline of this connection's entry in the server's heap (`.max`: none).
        var scheduled = MonotonicInstant(nanoseconds: .max)
        /// Set when the connection's task has ended: its heap entry is then dropped when it comes up.
        var isFinished = false

        init(connection: Connection, deadline: MonotonicInstant) {
            self.connection = connection
            self.deadline = deadline
        }
    }

    /// Starts the task that closes connections past their deadline; it runs while any are open.
    private func startReaper() {
        guard !reaperRunning else { return }
        reaperRunning = true
        spawn { await self.reap() }
    }

    /// Gives `state` a heap entry at its deadline unless it has one due no later: extending a
    /// deadline (every request does) costs nothing, bringing one forward costs one insertion.
    private func schedule(_ state: ConnectionState) {
        guard state.deadline < state.scheduled else { return }
        state.scheduled = state.deadline
        deadlines.insert(state, deadline: state.deadline)
    }

    private func reap() async {
        let shortest = min(configuration.headerTimeout, configuration.idleTimeout, configuration.bodyTimeout, configuration.writeTimeout)
        // How late a deadline brought forward while the reaper sleeps may be noticed. In
        // nanoseconds: dividing a Duration needs a 128-bit division, which the hvt image lacks.
        let tick = max(Duration.milliseconds(20), min(Duration.seconds(1), .nanoseconds(shortest.nanosecondsClamped / 4)))
        while !connections.isEmpty {
            var pause = tick
            if let next = deadlines.nextDeadline {
                let now = clock.now()
                pause = next <= now ? .zero : min(tick, next - now)
            }
            if pause > .zero { await time.sleep(for: pause) }
            let now = clock.now()
            var due: [ConnectionState] = []
            while let state = deadlines.popExpired(now: now) {
                guard !state.isFinished else { continue }
                state.scheduled = MonotonicInstant(nanoseconds: .max)
                if state.timedOut { continue }
                // In the handler there is no timeout (a shutdown's deadline too waits for it):
                // the phase after it schedules the connection again. Putting it back here at a
                // passed deadline would pop it again at once, for ever.
                if state.phase == .handling { continue }
                if state.deadline > now {
                    schedule(state)  // moved later since this entry was made
                    continue
                }
                due.append(state)
            }
            for state in due {
                state.timedOut = true
                if state.phase != .closing { statistics.timeouts += 1 }
                if state.hasPartialRequest {
                    // Nothing is being written, so this cannot block: tell the client why.
                    statistics.badRequests += 1
                    try? await state.connection.write(serializeError(HTTPError(.requestTimeout, "the request took too long to arrive")))
                }
                await state.connection.close()
            }
        }
        deadlines.removeAll()
        reaperRunning = false
    }

    private func setPhase(_ state: ConnectionState, _ phase: Phase, timeout: Duration?) {
        state.phase = phase
        state.deadline = timeout.map { clock.now() + $0 } ?? MonotonicInstant(nanoseconds: .max)
        if let shutdownDeadline, phase != .handling { state.deadline = min(state.deadline, shutdownDeadline) }
        schedule(state)
    }

    // MARK: One connection

    /// Serves requests on one connection until either side closes it.
    private func run(_ state: ConnectionState, handler: HTTPHandler) async {
        let connection = state.connection
        var input = InputBuffer()
        var output: [UInt8] = []
        var served = 0
        let parser = RequestHeadParser(configuration: configuration)
        do {
            requests: while true {
                // The head: the first request's deadline runs from the connection's start.
                if served > 0 {
                    if input.isEmpty { setPhase(state, .idle, timeout: configuration.idleTimeout) } else { setPhase(state, .readingHead, timeout: configuration.headerTimeout) }
                }
                let head: HTTPRequestHead
                while true {
                    switch parser.parse(input.unread) {
                    case .complete(let parsed, let consumed):
                        input.consume(consumed)
                        head = parsed
                        state.hasPartialRequest = true
                    case .failure(let status, let message):
                        try await fail(state, HTTPError(status, message), pending: &output)
                        return
                    case .incomplete:
                        // Send what pipelined responses are waiting before waiting for more.
                        try await flush(&output, state)
                        guard let bytes = try await connection.read(maxLength: 16 * 1024) else {
                            break requests
                        }
                        if state.phase == .idle { setPhase(state, .readingHead, timeout: configuration.headerTimeout) }
                        input.append(bytes)
                        state.hasPartialRequest = true
                        continue
                    }
                    break
                }

                // The body.
                guard head.version.minor == 0 || head.headers.contains("Host") else {
                    try await fail(state, HTTPError(.badRequest, "an HTTP/1.1 request needs a Host header"), pending: &output)
                    return
                }
                let framing: BodyFraming
                switch RequestHeadParser.bodyFraming(head.headers, maxBodySize: configuration.maxBodySize) {
                case .success(let value): framing = value
                case .failure(let error):
                    try await fail(state, error, pending: &output)
                    return
                }
                if framing != .none, head.headers.listContains("Expect", token: "100-continue") {
                    output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                }
                setPhase(state, .readingBody, timeout: configuration.bodyTimeout)
                let body: [UInt8]
                switch try await readBody(framing, &input, state, &output) {
                case .success(let bytes): body = bytes
                case .failure(let error):
                    try await fail(state, error, pending: &output)
                    return
                case nil:
                    break requests
                }

                // The response.
                var request = HTTPRequest(method: head.method, target: head.target, version: head.version,
                                          headers: head.headers, body: body)
                request.remoteEndpoint = connection.remoteEndpoint
                setPhase(state, .handling, timeout: nil)
                state.hasPartialRequest = false
                var response: HTTPResponse
                do {
                    response = try await handler(request)
                } catch {
                    response = .errorPage(error.status, message: error.message)
                }
                served += 1
                statistics.requests += 1
                let keepAlive = request.wantsKeepAlive && !isShuttingDown && served < configuration.maxRequestsPerConnection
                setPhase(state, .writing, timeout: configuration.writeTimeout)
                let kept = try await send(response, to: request, keepAlive: keepAlive, state, &output)
                guard kept else { break requests }
            }
            try await flush(&output, state)
            try? await connection.closeWrite()
        } catch {
            // The connection failed or a timeout closed it: nothing more can be sent.
        }
        await connection.close()
    }

    /// Reads a body framed by `framing`: its bytes, a failure to answer, or `nil` if the client closed.
    private func readBody(_ framing: BodyFraming, _ input: inout InputBuffer, _ state: ConnectionState,
                          _ output: inout [UInt8]) async throws(NetError) -> Result<[UInt8], HTTPError>? {
        switch framing {
        case .none:
            return .success([])
        case .length(let length):
            while input.unread.count < length {
                try await flush(&output, state)
                guard let bytes = try await state.connection.read(maxLength: max(16 * 1024, length - input.unread.count)) else { return nil }
                input.append(bytes)
            }
            let body = Array(input.unread.prefix(length))
            input.consume(length)
            return .success(body)
        case .chunked:
            var decoder = ChunkedDecoder(maxBodySize: configuration.maxBodySize, maxTrailerBytes: configuration.maxHeaderBytes)
            var outcome = decoder.consume(input.unread)
            while true {
                switch outcome {
                case .done(let consumed):
                    input.consume(consumed)
                    return .success(decoder.body)
                case .failure(let error):
                    return .failure(error)
                case .needMore:
                    input.consume(input.unread.count)
                    try await flush(&output, state)
                    guard let bytes = try await state.connection.read(maxLength: 16 * 1024) else { return nil }
                    input.append(bytes)
                    outcome = decoder.consume(input.unread)
                }
            }
        }
    }

    // MARK: Responses

    /// Answers a request the server refuses, then closes the connection gently.
    private func fail(_ state: ConnectionState, _ error: HTTPError, pending output: inout [UInt8]) async throws(NetError) {
        statistics.badRequests += 1
        log.debug("refused a request from \(state.connection.remoteEndpoint): \(error)")
        output.append(contentsOf: serializeError(error))
        setPhase(state, .writing, timeout: configuration.writeTimeout)
        try await flush(&output, state)
        try await state.connection.closeWrite()
        // Read what the client still sends for a moment, so closing with unread data does not
        // reset the connection before the client has read the error (a lingering close).
        setPhase(state, .closing, timeout: .seconds(2))
        var drained = 0
        while drained < 64 * 1024, let bytes = try await state.connection.read(maxLength: 16 * 1024) {
            drained += bytes.count
        }
    }

    private func serializeError(_ error: HTTPError) -> [UInt8] {
        let response = HTTPResponse.errorPage(error.status, message: error.message)
        var bytes: [UInt8] = []
        appendHead(of: response, bodyLength: response.body.length, keepAlive: false, version: .http1_1, to: &bytes)
        if case .bytes(let body) = response.body { bytes.append(contentsOf: body) }
        return bytes
    }

    /// Sends `response`; returns whether the connection stays open for another request.
    private func send(_ response: HTTPResponse, to request: HTTPRequest, keepAlive: Bool, _ state: ConnectionState,
                      _ output: inout [UInt8]) async throws(NetError) -> Bool {
        var response = response
        if let notModified = Self.notModified(response, for: request) { response = notModified }
        let hasBody = request.method != .head && !response.status.forbidsBody
        // A stream of unknown length on HTTP/1.0 can only end with the connection.
        let closeDelimited = response.body.length == nil && request.version.minor == 0 && !response.status.forbidsBody
        let keepAlive = keepAlive && !closeDelimited
        if output.isEmpty, case .bytes(let body) = response.body, hasBody, body.count <= 64 * 1024 {
            output.reserveCapacity(512 + body.count)  // one allocation for the head and the body
        }
        appendHead(of: response, bodyLength: response.status.forbidsBody ? nil : response.body.length,
                   keepAlive: keepAlive, version: request.version, to: &output)
        guard hasBody else { return keepAlive }
        switch response.body {
        case .bytes(let bytes):
            if output.count + bytes.count <= 64 * 1024 {
                output.append(contentsOf: bytes)
            } else {
                try await flush(&output, state)
                var offset = 0
                while offset < bytes.count {
                    let end = min(bytes.count, offset + 64 * 1024)
                    setPhase(state, .writing, timeout: configuration.writeTimeout)
                    try await state.connection.write(Array(bytes[offset..<end]))
                    offset = end
                }
            }
        case .stream(let length, let producer):
            try await flush(&output, state)
            let chunked = length == nil && !closeDelimited
            var sent = 0
            let writer = HTTPBodyWriter { bytes throws(HTTPError) in
                if let length, sent + bytes.count > length {
                    throw HTTPError(.internalServerError, "the body is longer than its declared length")
                }
                sent += bytes.count
                self.setPhase(state, .writing, timeout: self.configuration.writeTimeout)
                var frame: [UInt8] = []
                if chunked {
                    frame.reserveCapacity(bytes.count + 12)
                    ASCII.appendHexadecimal(bytes.count, to: &frame)
                    frame.append(contentsOf: "\r\n".utf8)
                    frame.append(contentsOf: bytes)
                    frame.append(contentsOf: "\r\n".utf8)
                } else {
                    frame = bytes
                }
                do throws(NetError) { try await state.connection.write(frame) } catch {
                    throw HTTPError(.internalServerError, "connection lost: \(error)")
                }
            }
            do {
                try await producer(writer)
            } catch {
                // Headers are out: the only way left to signal the failure is to cut the body short.
                log.warning("response to \(request.method) \(request.path) failed midway: \(error)")
                return false
            }
            if let length, sent != length {
                log.warning("response to \(request.method) \(request.path) was \(sent) bytes, not the declared \(length)")
                return false
            }
            if chunked { output.append(contentsOf: "0\r\n\r\n".utf8) }
        }
        // Responses to pipelined requests already received go out together, up to a bound.
        if output.count >= 64 * 1024 { try await flush(&output, state) }
        return keepAlive
    }

    /// Writes out what is pending.
    private func flush(_ output: inout [UInt8], _ state: ConnectionState) async throws(NetError) {
        guard !output.isEmpty else { return }
        // Hand the bytes to the write and keep nothing: an idle connection holds no buffer, and
        // the next response reserves what it needs (see `send`).
        var bytes: [UInt8] = []
        swap(&bytes, &output)
        // The write has its own deadline; the phase's own (idle, reading) resumes after it.
        let (phase, deadline) = (state.phase, state.deadline)
        if phase != .writing && phase != .closing { setPhase(state, .writing, timeout: configuration.writeTimeout) }
        try await state.connection.write(bytes)
        (state.phase, state.deadline) = (phase, deadline)
        schedule(state)
    }

    /// The 304 to send instead of `response` when the client's copy is current (RFC 9110 §13).
    static func notModified(_ response: HTTPResponse, for request: HTTPRequest) -> HTTPResponse? {
        guard request.method == .get || request.method == .head, response.status == .ok else { return nil }
        if let condition = request.headers["If-None-Match"] {
            guard let tag = response.headers["ETag"], ETag.matches(condition, tag) else { return nil }
        } else if let since = request.headers["If-Modified-Since"].flatMap(HTTPDate.parse),
                  let modified = response.headers["Last-Modified"].flatMap(HTTPDate.parse) {
            guard modified <= since else { return nil }
        } else {
            return nil
        }
        var headers = HTTPHeaders()
        for name in ["ETag", "Last-Modified", "Cache-Control", "Expires", "Vary", "Content-Location"] {
            if let value = response.headers[name] { headers.add(name, value) }
        }
        return HTTPResponse(status: .notModified, headers: headers)
    }

    /// Appends the status line and header section; `bodyLength` nil means chunked or none.
    private func appendHead(of response: HTTPResponse, bodyLength: Int?, keepAlive: Bool, version: HTTPVersion,
                            to bytes: inout [UInt8]) {
        bytes.append(contentsOf: "HTTP/1.1 ".utf8)
        ASCII.appendDecimal(response.status.code, to: &bytes)
        bytes.append(ASCII.space)
        bytes.append(contentsOf: response.status.reason.utf8)
        bytes.append(contentsOf: "\r\n".utf8)
        if !configuration.serverName.isEmpty && !response.headers.contains("Server") {
            bytes.append(contentsOf: "Server: ".utf8)
            bytes.append(contentsOf: configuration.serverName.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        if !response.headers.contains("Date") {
            bytes.append(contentsOf: "Date: ".utf8)
            bytes.append(contentsOf: currentDate())
            bytes.append(contentsOf: "\r\n".utf8)
        }
        for (name, value) in response.headers {
            // The server frames the message itself.
            if ASCII.equalsIgnoringCase(name, "Content-Length") || ASCII.equalsIgnoringCase(name, "Transfer-Encoding")
                || ASCII.equalsIgnoringCase(name, "Connection") { continue }
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        if !response.status.forbidsBody {
            if let bodyLength {
                bytes.append(contentsOf: "Content-Length: ".utf8)
                ASCII.appendDecimal(bodyLength, to: &bytes)
                bytes.append(contentsOf: "\r\n".utf8)
            } else if version.minor > 0 {
                bytes.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
            }
        }
        if !keepAlive {
            bytes.append(contentsOf: "Connection: close\r\n".utf8)
        } else if version.minor == 0 {
            bytes.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
    }

    /// The Date header's value, formatted once a second.
    private func currentDate() -> [UInt8] {
        let now = wallClock.now()
        if now.secondsSinceEpoch != cachedDate.second {
            cachedDate = (now.secondsSinceEpoch, Array(HTTPDate.format(now).utf8))
        }
        return cachedDate.bytes
    }
}

/// Bytes received and not yet parsed.
struct InputBuffer {
    private var bytes: [UInt8] = []
    private var start = 0

    var isEmpty: Bool { start == bytes.count }
    var unread: ArraySlice<UInt8> { bytes[start...] }

    mutating func append(_ more: [UInt8]) {
        if start == bytes.count {
            bytes = more
            start = 0
            return
        }
        // Drop the consumed front before it grows past what is unread.
        if start > 0 && start >= bytes.count / 2 {
            bytes.removeFirst(start)
            start = 0
        }
        bytes.append(contentsOf: more)
    }

    mutating func consume(_ count: Int) { start += count }
}

/// Entity-tag comparison (RFC 9110 §8.8.3).
enum ETag {
    /// Whether the If-None-Match list `condition` matches `tag` (weak comparison, as §13.1.2 asks).
    static func matches(_ condition: String, _ tag: String) -> Bool {
        let wanted = opaque(Array(tag.utf8)[...])
        for item in ASCII.splitList(condition) {
            if item.count == 1 && item.first == UInt8(ascii: "*") { return true }
            if opaque(item) == wanted { return true }
        }
        return false
    }

    /// A strong tag for `bytes`: their 64-bit FNV-1a hash and length, quoted.
    static func strong(for bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        var text: [UInt8] = [UInt8(ascii: "\"")]
        ASCII.appendHexadecimal(Int(truncatingIfNeeded: hash >> 1), to: &text)
        text.append(UInt8(ascii: "-"))
        ASCII.appendHexadecimal(bytes.count, to: &text)
        text.append(UInt8(ascii: "\""))
        return String(decoding: text, as: UTF8.self)
    }

    /// The tag without a weakness prefix `W/`.
    private static func opaque(_ tag: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        tag.starts(with: "W/".utf8) ? tag.dropFirst(2) : tag
    }
}
