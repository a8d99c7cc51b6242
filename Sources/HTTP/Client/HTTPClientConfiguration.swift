/// Limits and timeouts of an ``HTTPClient``.
public struct HTTPClientConfiguration: Sendable {
    /// How long opening a TCP connection may take.
    public var connectTimeout: Duration = .seconds(10)
    /// How long from sending the request to the end of the response's header section.
    public var headerTimeout: Duration = .seconds(10)
    /// How long reading the body may take, in all.
    public var bodyTimeout: Duration = .seconds(60)
    /// Redirects followed (301, 302, 303, 307, 308) before giving up.
    public var maxRedirects = 5
    /// The largest body accepted, in bytes.
    public var maxResponseBytes = 16 << 20
    /// The largest status line and header section accepted, in bytes.
    public var maxHeaderBytes = 64 << 10
    /// The most header fields accepted.
    public var maxHeaderCount = 100
    /// Idle keep-alive connections kept per host and port.
    public var maxIdleConnectionsPerHost = 4
    /// The `User-Agent` sent, unless the request has its own.
    public var userAgent = "Swiftlet"

    /// The defaults.
    public init() {}
}

/// A response, its body read whole.
public struct HTTPClientResponse: Sendable {
    /// The status.
    public var status: HTTPStatus
    /// The version the server answered with.
    public var version: HTTPVersion
    /// The header fields.
    public var headers: HTTPHeaders
    /// The body, decoded from the chunked coding if it was sent so.
    public var body: [UInt8]
    /// The URL that answered, after redirects.
    public var url: HTTPURL
    /// Redirects followed to get here.
    public var redirects: Int

    /// The body as UTF-8 text (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
