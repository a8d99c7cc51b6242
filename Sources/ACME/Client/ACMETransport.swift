import SwiftletHTTP

/// One HTTPS request of the ACME client.
public struct ACMEHTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The absolute `https://` URL.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The CA's answer to one request.
public struct ACMEHTTPResponse: Sendable {
    /// The status code, e.g. 201.
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// How the ACME client reaches the CA: an HTTPS client (TLS checked against the trust anchors
/// the application chose). The client follows no redirects through it; ACME needs none.
///
/// ```swift
/// struct MyTransport: ACMETransport {
///     func send(_ request: ACMEHTTPRequest) async throws(ACMEError) -> ACMEHTTPResponse { ... }
/// }
/// ```
public protocol ACMETransport {
    /// Sends `request` and returns the whole response, or `ACMEError.transport` if no response came.
    func send(_ request: ACMEHTTPRequest) async throws(ACMEError) -> ACMEHTTPResponse
}
