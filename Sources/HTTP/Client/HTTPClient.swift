import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices
import SwiftletRuntime

/// An HTTP/1.1 client (RFC 9112) over any ``NetworkStack``: host sockets, Swiftlet's own
/// stack. Names are resolved with `resolver` (a ``DNSResolving``: the `dns` device, or
/// ``DNSLiteralAddresses`` for dotted quads only). Connections are kept alive and reused per
/// host and port; bodies framed by Content-Length, the chunked coding or the end of the
/// connection; redirects followed up to a bound; every step under a timeout on `time`.
/// `https://` URLs go through `secureConnect`, which opens a TLS connection whose server
/// name (SNI and the name the certificate must match) is the URL's host: SwiftletTLS's
/// `TLSStack.connect(to:serverName:)`.
///
/// ```swift
/// let client = HTTPClient(stack: stack, resolver: dns, time: time)
/// let response = try await client.get("http://example.com/")
/// Log.info("\(response.status): \(response.body.count) bytes")
/// ```
public final class HTTPClient<Stack: NetworkStack, Resolver: DNSResolving, Time: TimeDevice> {
    public typealias Connection = Stack.Listener.Connection

    let stack: Stack
    let resolver: Resolver
    let time: Time
    let configuration: HTTPClientConfiguration
    let spawn: (@escaping () async -> Void) -> Void
    /// Opens a TLS connection to an endpoint for a server name; `nil`: no `https`.
    public typealias SecureConnect = (IPv4Endpoint, String) async throws(NetError) -> Connection
    let secureConnect: SecureConnect?
    /// Idle keep-alive connections by server endpoint and, for TLS, server name.
    var idle: [PoolKey: [Connection]] = [:]

    /// Which connections can carry a request: same endpoint, same TLS server name (or none).
    struct PoolKey: Hashable {
        var endpoint: IPv4Endpoint
        var serverName: String?
    }
    /// Connections opened, and requests sent on a connection used before: for tests.
    public private(set) var connectionsOpened = 0, connectionsReused = 0

    /// A client; its timers are tasks started with `spawn`. With `secureConnect` it serves
    /// `https://` URLs, e.g. `{ (endpoint, name) async throws(NetError) in try await tls.connect(to: endpoint, serverName: name) }`
    /// for a `TLSStack` `tls`; `http://` URLs use `stack.connect(to:)`.
    public init(stack: Stack, resolver: Resolver, time: Time, configuration: HTTPClientConfiguration = HTTPClientConfiguration(),
                secureConnect: SecureConnect? = nil,
                spawn: @escaping (@escaping () async -> Void) -> Void = { body in Task { await body() } }) {
        self.secureConnect = secureConnect
        self.stack = stack
        self.resolver = resolver
        self.time = time
        self.configuration = configuration
        self.spawn = spawn
    }

    /// `GET url`.
    public func get(_ url: String, headers: HTTPHeaders = HTTPHeaders()) async throws(HTTPClientError) -> HTTPClientResponse {
        try await request(.get, url, headers: headers)
    }

    /// Sends `method` to `url` with `headers` and `body`, follows redirects, and returns the
    /// final response. 303 turns into a GET without a body; 301 and 302 do for a POST (as
    /// browsers do); 307 and 308 repeat the request as it was.
    public func request(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = HTTPHeaders(),
                        body: [UInt8] = []) async throws(HTTPClientError) -> HTTPClientResponse {
        var target = try HTTPURL(url)
        var method = method
        var body = body
        var redirects = 0
        while true {
            var response = try await send(method, target, headers: headers, body: body)
            let code = response.status.code
            guard [301, 302, 303, 307, 308].contains(code), let location = response.headers["Location"] else {
                response.redirects = redirects
                return response
            }
            guard redirects < configuration.maxRedirects else { throw .tooManyRedirects(configuration.maxRedirects) }
            redirects += 1
            target = try target.resolving(location)
            if code == 303 || ((code == 301 || code == 302) && method == .post) {
                if method != .head { method = .get }
                body = []
            }
        }
    }

    /// Closes every idle connection.
    public func closeIdleConnections() async {
        let all = idle.values.flatMap { $0 }
        idle = [:]
        for connection in all { await connection.close() }
    }

    // MARK: One exchange

    func send(_ method: HTTPMethod, _ url: HTTPURL, headers: HTTPHeaders, body: [UInt8]) async throws(HTTPClientError) -> HTTPClientResponse {
        if url.isSecure && secureConnect == nil { throw .unsupportedScheme(url.scheme) }
        let address: IPv4Address
        do throws(DNSError) {
            guard let first = try await resolver.addresses(of: url.host).first else { throw DNSError.noRecords(url.host) }
            address = first
        } catch {
            throw .resolutionFailed(error)
        }
        let endpoint = PoolKey(endpoint: IPv4Endpoint(address: address, port: url.port), serverName: url.isSecure ? url.host : nil)
        let request = Self.encode(method, url, headers: headers, body: body, userAgent: configuration.userAgent)
        // A kept-alive connection the server has since closed fails before any byte of the
        // response: then the request goes again on a new connection, once.
        if let reused = takeIdle(endpoint) {
            connectionsReused += 1
            switch await exchange(on: reused, request, method: method, url: url) {
            case .success(let outcome):
                return finish(outcome, endpoint: endpoint)
            case .failure(let failure):
                await reused.close()
                if !failure.retryable { throw failure.error }
            }
        }
        let connection = try await connect(endpoint)
        switch await exchange(on: connection, request, method: method, url: url) {
        case .success(let outcome):
            return finish(outcome, endpoint: endpoint)
        case .failure(let failure):
            await connection.close()
            throw failure.error
        }
    }

    private func finish(_ outcome: Outcome, endpoint: PoolKey) -> HTTPClientResponse {
        if outcome.reusable {
            var list = idle[endpoint] ?? []
            if list.count < configuration.maxIdleConnectionsPerHost {
                list.append(outcome.connection)
                idle[endpoint] = list
            } else {
                let connection = outcome.connection
                spawn { await connection.close() }
            }
        } else {
            let connection = outcome.connection
            spawn { await connection.close() }
        }
        return outcome.response
    }

    private func takeIdle(_ endpoint: PoolKey) -> Connection? {
        guard var list = idle[endpoint], !list.isEmpty else { return nil }
        let connection = list.removeLast()
        idle[endpoint] = list.isEmpty ? nil : list
        return connection
    }

    private func connect(_ key: PoolKey) async throws(HTTPClientError) -> Connection {
        let stack = self.stack
        let secureConnect = self.secureConnect
        let endpoint = key.endpoint
        let connection = try await withTimeout(configuration.connectTimeout, on: time, spawn: spawn,
                                               error: HTTPClientError.timedOut("connect"), late: { (late: Connection) in await late.close() }) {
            () async throws(HTTPClientError) in
            do throws(NetError) {
                if let serverName = key.serverName, let secureConnect { return try await secureConnect(endpoint, serverName) }
                return try await stack.connect(to: endpoint)
            } catch {
                throw HTTPClientError.connectionFailed(error)
            }
        }
        connectionsOpened += 1
        return connection
    }

    static func encode(_ method: HTTPMethod, _ url: HTTPURL, headers: HTTPHeaders, body: [UInt8], userAgent: String) -> [UInt8] {
        var text = "\(method.rawValue) \(url.target) HTTP/1.1\r\n"
        if !headers.contains("Host") { text += "Host: \(url.hostHeader)\r\n" }
        if !headers.contains("User-Agent") { text += "User-Agent: \(userAgent)\r\n" }
        if !headers.contains("Content-Length") && !headers.contains("Transfer-Encoding")
            && (!body.isEmpty || method == .post || method == .put || method == .patch) {
            text += "Content-Length: \(body.count)\r\n"
        }
        for field in headers { text += "\(field.name): \(field.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8) + body
    }

    /// A response and whether its connection can carry the next request.
    struct Outcome {
        var response: HTTPClientResponse
        var connection: Connection
        var reusable: Bool
    }

    /// A failed exchange: its error, and whether it failed before any byte of a response came
    /// (so a new connection may try again).
    struct Failure: Error {
        var error: HTTPClientError
        var retryable: Bool
    }

    /// A phase's time limit. Closing a connection need not end a pending read (our stack
    /// closes gracefully), so each read and write races the phase's timer instead: when the
    /// timer wins, the exchange fails at once and the connection is closed behind it.
    final class Watchdog {
        var generation = 0
        var fired = false
        var phase = ""
        var onFire: (() -> Void)?
    }

    private func arm(_ watchdog: Watchdog, _ phase: String, _ duration: Duration) {
        watchdog.generation += 1
        watchdog.phase = phase
        let generation = watchdog.generation
        let time = self.time
        spawn {
            await time.sleep(for: duration)
            guard watchdog.generation == generation else { return }
            watchdog.fired = true
            watchdog.onFire?()
            watchdog.onFire = nil
        }
    }

    /// Runs `operation` unless the watchdog's phase runs out first (then `.timedOut`).
    private func guarded<T>(_ watchdog: Watchdog, _ operation: @escaping () async throws(NetError) -> T) async throws(NetError) -> T {
        if watchdog.fired { throw .timedOut }
        let race = FirstResult<T, NetError>()
        spawn {
            do throws(NetError) {
                _ = race.finish(.success(try await operation()))
            } catch {
                _ = race.finish(.failure(error))
            }
        }
        watchdog.onFire = { _ = race.finish(.failure(.timedOut)) }
        let result = await race.wait()
        watchdog.onFire = nil
        switch result {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    private func exchange(on connection: Connection, _ request: [UInt8], method: HTTPMethod, url: HTTPURL) async -> Result<Outcome, Failure> {
        let watchdog = Watchdog()
        defer { watchdog.generation += 1 }   // disarms
        var received: [UInt8] = []
        func failure(_ error: NetError) -> Failure {
            if watchdog.fired { return Failure(error: .timedOut(watchdog.phase), retryable: false) }
            return Failure(error: .connectionFailed(error), retryable: received.isEmpty)
        }
        arm(watchdog, "headers", configuration.headerTimeout)
        do throws(NetError) {
            try await guarded(watchdog) { () async throws(NetError) in try await connection.write(request) }
        } catch {
            return .failure(failure(error))
        }
        let parser = ResponseHeadParser(maxHeaderBytes: configuration.maxHeaderBytes, maxHeaderCount: configuration.maxHeaderCount)
        var head: HTTPResponseHead
        var start = 0
        // Interim (1xx) responses are read and skipped.
        while true {
            var parsed: HTTPResponseHead? = nil
            while parsed == nil {
                switch parser.parse(received[start...]) {
                case .complete(let value, let consumed):
                    parsed = value
                    start += consumed
                case .failure(let text):
                    return .failure(Failure(error: .malformedResponse(text), retryable: false))
                case .incomplete:
                    do throws(NetError) {
                        guard let more = try await guarded(watchdog, { () async throws(NetError) in
                            try await connection.read(maxLength: 65_536)
                        }) else {
                            return .failure(Failure(error: .malformedResponse("the connection closed before the header section ended"),
                                                    retryable: received.isEmpty))
                        }
                        received += more
                    } catch {
                        return .failure(failure(error))
                    }
                }
            }
            head = parsed!
            if !(100..<200).contains(head.status.code) || head.status.code == 101 { break }
        }
        guard let framing = ResponseHeadParser.framing(head, method: method) else {
            return .failure(Failure(error: .malformedResponse("contradictory or malformed body framing"), retryable: false))
        }
        arm(watchdog, "body", configuration.bodyTimeout)
        let limit = configuration.maxResponseBytes
        var body: [UInt8] = []
        var leftover = 0
        func read() async throws(NetError) -> [UInt8]? {
            try await guarded(watchdog) { () async throws(NetError) in try await connection.read(maxLength: 65_536) }
        }
        do throws(NetError) {
            switch framing {
            case .none:
                leftover = received.count - start
            case .length(let length):
                guard length <= limit else { return .failure(Failure(error: .responseTooLarge(limit: limit), retryable: false)) }
                while received.count - start < length {
                    guard let more = try await read() else {
                        return .failure(Failure(error: .malformedResponse("the body ended after \(received.count - start) of \(length) bytes"),
                                                retryable: false))
                    }
                    received += more
                }
                body = Array(received[start..<(start + length)])
                leftover = received.count - start - length
            case .chunked:
                var decoder = ChunkedDecoder(maxBodySize: limit, maxTrailerBytes: configuration.maxHeaderBytes)
                var input = received[start...]
                decoding: while true {
                    switch decoder.consume(input) {
                    case .done(let consumed):
                        leftover = input.count - consumed
                        break decoding
                    case .failure(let error):
                        if error.status == .contentTooLarge { return .failure(Failure(error: .responseTooLarge(limit: limit), retryable: false)) }
                        return .failure(Failure(error: .malformedResponse(error.message), retryable: false))
                    case .needMore:
                        guard let more = try await read() else {
                            return .failure(Failure(error: .malformedResponse("the chunked body ended early"), retryable: false))
                        }
                        input = more[...]
                    }
                }
                body = decoder.body
            case .untilClose:
                body = Array(received[start...])
                while let more = try await read() {
                    guard body.count + more.count <= limit else {
                        return .failure(Failure(error: .responseTooLarge(limit: limit), retryable: false))
                    }
                    body += more
                }
            }
        } catch {
            return .failure(failure(error))
        }
        // Reusable when both sides keep it open and nothing unasked-for followed the response.
        let closes = head.headers.listContains("Connection", token: "close")
            || (head.version.minor == 0 && !head.headers.listContains("Connection", token: "keep-alive"))
        let reusable = framing != .untilClose && !closes && leftover == 0 && head.status.code != 101
        let response = HTTPClientResponse(status: head.status, version: head.version, headers: head.headers, body: body, url: url,
                                          redirects: 0)
        return .success(Outcome(response: response, connection: connection, reusable: reusable))
    }
}
