import SwiftletDevices

/// Why an HTTP request failed.
public enum HTTPClientError: Error, Equatable, Sendable {
    /// The URL is not `http://host[:port][/path]`; the text says what is wrong.
    case invalidURL(String)
    /// The URL's scheme is not served by this client (`https` on a client made without `secureConnect`).
    case unsupportedScheme(String)
    /// The host name did not resolve.
    case resolutionFailed(DNSError)
    /// The connection could not be made, or broke.
    case connectionFailed(NetError)
    /// The step named did not finish in time: `connect`, `headers` or `body`.
    case timedOut(String)
    /// The response is not HTTP/1.x as RFC 9112 has it; the text says where.
    case malformedResponse(String)
    /// The response is over the configured size.
    case responseTooLarge(limit: Int)
    /// More redirects than allowed.
    case tooManyRedirects(Int)
}

extension HTTPClientError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidURL(let text): "invalid URL: \(text)"
        case .unsupportedScheme(let scheme): "the \(scheme) scheme is not supported"
        case .resolutionFailed(let error): "\(error)"
        case .connectionFailed(let error): "connection failed: \(error)"
        case .timedOut(let step): "timed out waiting for the \(step)"
        case .malformedResponse(let text): "malformed response: \(text)"
        case .responseTooLarge(let limit): "the response is over \(limit) bytes"
        case .tooManyRedirects(let count): "more than \(count) redirects"
        }
    }
}
