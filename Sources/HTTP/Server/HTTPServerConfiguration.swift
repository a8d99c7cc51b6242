import SwiftletDevices

/// The limits and timeouts of an HTTP server. The defaults suit a public web server.
public struct HTTPServerConfiguration: Sendable {
    /// Longest request line (method, target, version), in bytes; longer gets 414.
    public var maxRequestLineLength = 8192
    /// Largest header section (every field line), in bytes; larger gets 431.
    public var maxHeaderBytes = 32 * 1024
    /// Most header fields in one request; more gets 431.
    public var maxHeaderCount = 100
    /// Largest request body, in bytes; larger gets 413.
    public var maxBodySize = 1024 * 1024
    /// How long a kept-alive connection may wait for the next request to start.
    public var idleTimeout: Duration = .seconds(60)
    /// How long a request's line and header section may take to arrive, from its first byte
    /// (from the connection's start for the first request). One deadline, not one per read,
    /// so a client that trickles bytes (slowloris) is cut off all the same.
    public var headerTimeout: Duration = .seconds(10)
    /// How long a request's body may take to arrive, from the end of its header section.
    public var bodyTimeout: Duration = .seconds(30)
    /// How long writing a response may stall without the client taking any of it.
    public var writeTimeout: Duration = .seconds(30)
    /// Most connections open at once. At the bound the server stops accepting until one ends:
    /// new connections wait in the stack's accept queue (``backlog``), and beyond that the
    /// stack declines their handshakes (the client retries its SYN; the direct stack answers
    /// with SYN cookies). None is accepted and then closed, so none is reset mid-request.
    /// The `--max-connections` runtime key of the `http` device sets it.
    public var maxConnections = 10_000
    /// Most requests served on one connection before it is closed (bounds a single client's hold).
    public var maxRequestsPerConnection = 10_000
    /// Established connections the stack keeps waiting for the server to accept (Linux caps
    /// it at `net.core.somaxconn`, 4096 by default). The `--backlog` runtime key sets it.
    public var backlog = 4096
    /// The Server header's value; empty leaves the header out.
    public var serverName = "Swiftlet"

    public init() {}

    /// The defaults with the limits a user sets on the command line (`--max-connections`, `--backlog`).
    public init(maxConnections: Int, backlog: Int) {
        self.maxConnections = max(1, maxConnections)
        self.backlog = max(1, backlog)
    }
}

/// What a server has done since it started: counters for logs, tests and benchmarks.
public struct HTTPServerStatistics: Equatable, Sendable {
    /// Connections accepted.
    public var connectionsAccepted = 0
    /// Times the server stopped accepting because ``HTTPServerConfiguration/maxConnections`` were
    /// open (new connections waited in the backlog meanwhile).
    public var acceptPauses = 0
    /// Connections open now.
    public var connectionsOpen = 0
    /// Requests answered (error responses included).
    public var requests = 0
    /// Requests refused as malformed or over a limit (4xx/5xx sent by the server itself).
    public var badRequests = 0
    /// Connections closed because a timeout passed.
    public var timeouts = 0

    public init() {}
}

/// An HTTP/1.1 server: the device the `.http()` entry of config.swift gives an application.
/// Generic code takes any value of this protocol, so one website runs on host sockets and on
/// Swiftlet's own stack, on every target.
public protocol HTTPServing: AnyObject {
    /// The limits and timeouts; change them before ``serve(port:handler:)``.
    var configuration: HTTPServerConfiguration { get set }
    /// What the server has done so far.
    var statistics: HTTPServerStatistics { get }

    /// Listens on TCP `port` and answers every request with `handler` until ``shutdown(gracePeriod:)``;
    /// returns once the listener is closed and every connection is done. Fails if the port
    /// cannot be opened.
    func serve(port: UInt16, handler: @escaping HTTPHandler) async throws(NetError)

    /// Stops accepting, lets requests in progress finish for up to `gracePeriod`, closes idle
    /// connections at once and the rest when the period ends.
    func shutdown(gracePeriod: Duration) async
}
