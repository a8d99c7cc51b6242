import _Concurrency
import SwiftletDevices

/// A ``NetworkStack`` whose TCP connections are TLS: listeners accept ``TLSStream``s that
/// handshake as servers, `connect` opens client streams. UDP passes through.
///
/// ```swift
/// let tls = TLSStack(base: stack, server: serverConfiguration)
/// let server = HTTPServer(stack: tls, time: time, clock: clock, wallClock: wallClock)
/// try await server.serve(port: 443, handler: router.handler)
/// ```
public struct TLSStack<Base: NetworkStack>: NetworkStack {
    public typealias Listener = TLSListener<Base.Listener>
    public typealias Datagrams = Base.Datagrams

    public let base: Base
    /// What listeners serve with; `listen` fails without one (or ``serverIdentity``).
    public var server: TLSServerConfiguration?
    /// A replaceable server configuration, preferred to ``server``: listeners read it at each
    /// accept, so a renewed certificate takes over without a restart.
    public var serverIdentity: TLSServerIdentity?
    /// What `connect(to:)` uses; it fails without one.
    public var client: TLSClientConfiguration?

    public init(base: Base, server: TLSServerConfiguration? = nil, serverIdentity: TLSServerIdentity? = nil,
                client: TLSClientConfiguration? = nil) {
        self.base = base
        self.server = server
        self.serverIdentity = serverIdentity
        self.client = client
    }

    /// A stack whose configurations come from ``TLSDefaults`` (config.swift's `.https()`),
    /// recording `random`, the target's entropy source, as ``TLSDefaults/random`` for the
    /// application's keys; `nil` on a target without one.
    public init(base: Base, random: TLSRandom?) {
        self.init(base: base)
        if let random { TLSDefaults.random = random }
    }

    public var ipv4Addresses: [IPv4Address] { base.ipv4Addresses }

    public func listen(port: UInt16, backlog: Int) async throws(NetError) -> Listener {
        let identity: TLSServerIdentity
        if let current = serverIdentity ?? TLSDefaults.serverIdentity {
            identity = current
        } else if let server = server ?? TLSDefaults.server {
            identity = TLSServerIdentity(server)
        } else {
            throw .invalidArgument("a TLS listener needs a server configuration (TLSDefaults.server)")
        }
        return TLSListener(base: try await base.listen(port: port, backlog: backlog), identity: identity)
    }

    public func connect(to destination: IPv4Endpoint) async throws(NetError) -> Listener.Connection {
        guard let client = client ?? TLSDefaults.client else {
            throw .invalidArgument("a TLS connection needs a client configuration (TLSDefaults.client)")
        }
        return try await connect(to: destination, configuration: client)
    }

    /// Opens a TLS connection to `destination` for `serverName` (sent as SNI and checked
    /// against the certificate), with the client configuration's other settings: what an
    /// HTTP client's `secureConnect` calls for an `https://` URL's host.
    public func connect(to destination: IPv4Endpoint, serverName: String) async throws(NetError) -> Listener.Connection {
        guard var configuration = client ?? TLSDefaults.client else {
            throw .invalidArgument("a TLS connection needs a client configuration (TLSDefaults.client)")
        }
        configuration.serverName = serverName
        return try await connect(to: destination, configuration: configuration)
    }

    /// Opens a TLS connection to `destination` with `configuration` (its server name is the
    /// name the certificate must match), and runs the handshake.
    public func connect(to destination: IPv4Endpoint, configuration: TLSClientConfiguration) async throws(NetError) -> Listener.Connection {
        let connection = try await base.connect(to: destination)
        let stream: TLSStream<Base.Listener.Connection>
        do {
            stream = try TLSStream(connectingOver: connection, configuration: configuration)
        } catch {
            await connection.close()
            throw .invalidArgument("TLS client: \(error)")
        }
        do {
            try await stream.handshake()
        } catch {
            await stream.close()
            // Say why: the certificate check or the alert the server sent.
            if let tlsError = stream.tlsError { throw .deviceFailure("TLS with \(destination): \(tlsError)") }
            throw error
        }
        return stream
    }

    public func bindUDP(port: UInt16) async throws(NetError) -> Datagrams {
        try await base.bindUDP(port: port)
    }
}

/// A listener whose connections are server-side ``TLSStream``s; each handshakes on first use,
/// in its own task, so a slow client does not hold up `accept`.
public struct TLSListener<Base: TCPListener>: TCPListener {
    public typealias Connection = TLSStream<Base.Connection>

    public let base: Base
    /// Where each accepted connection's configuration comes from.
    public let identity: TLSServerIdentity

    public init(base: Base, identity: TLSServerIdentity) {
        self.base = base
        self.identity = identity
    }

    /// The configuration the next accepted connection gets.
    public var configuration: TLSServerConfiguration { identity.configuration }

    public var localEndpoint: IPv4Endpoint { base.localEndpoint }

    public func accept() async throws(NetError) -> Connection {
        let connection = try await base.accept()
        return TLSStream(serving: connection, configuration: identity.configuration)
    }

    public func close() async { await base.close() }
}

/// The configurations a ``TLSStack`` made without one uses: what config.swift's `.https()`
/// device gets, since the generated code cannot know the certificate. A unikernel serves one
/// identity; set ``server`` before the server listens.
public enum TLSDefaults {
    /// The server configuration of stacks made without one.
    nonisolated(unsafe) public static var server: TLSServerConfiguration?
    /// A replaceable server configuration for stacks made without one, preferred to
    /// ``server``: set it before the server listens, replace its configuration to renew.
    nonisolated(unsafe) public static var serverIdentity: TLSServerIdentity?
    /// The client configuration of stacks made without one.
    nonisolated(unsafe) public static var client: TLSClientConfiguration?
    /// The entropy source of the target, set by the `.https()` device; `nil` where the target
    /// has none yet, and TLS cannot run.
    nonisolated(unsafe) public static var random: TLSRandom?
}
