/// Writes a streamed response body. The server frames what it is given (chunked encoding,
/// or the exact length the response declared).
public final class HTTPBodyWriter {
    private let sink: ([UInt8]) async throws(HTTPError) -> Void

    /// A writer that hands each piece of the body to `sink`.
    public init(sink: @escaping ([UInt8]) async throws(HTTPError) -> Void) { self.sink = sink }

    /// Sends `bytes` as the next piece of the body; waits while the client is slow to read.
    /// Fails if the connection is lost or closed.
    public func write(_ bytes: [UInt8]) async throws(HTTPError) {
        guard !bytes.isEmpty else { return }
        try await sink(bytes)
    }

    /// Sends `text` as UTF-8.
    public func write(_ text: String) async throws(HTTPError) { try await write(Array(text.utf8)) }
}

/// Produces a streamed body by writing to the writer it is given.
public typealias HTTPBodyProducer = (HTTPBodyWriter) async throws(HTTPError) -> Void

/// A response body: bytes in memory, or a stream written as the client takes it.
public enum HTTPBody {
    /// The whole body.
    case bytes([UInt8])
    /// A body written by `producer`; `length` (when known) is sent as Content-Length, otherwise
    /// the body goes out chunked (HTTP/1.1) or ends with the connection (HTTP/1.0).
    case stream(length: Int?, producer: HTTPBodyProducer)

    /// No body.
    public static var empty: HTTPBody { .bytes([]) }

    /// The body's length, if known before it is sent.
    public var length: Int? {
        switch self {
        case .bytes(let bytes): bytes.count
        case .stream(let length, _): length
        }
    }
}

/// A response: status, header fields and body. The server adds Date, Server, Content-Length
/// or Transfer-Encoding, and Connection.
///
/// ```swift
/// HTTPResponse.html("<h1>Hello</h1>")
/// HTTPResponse.text("no such page", status: .notFound)
/// ```
public struct HTTPResponse {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: HTTPBody

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: HTTPBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `bytes` with the given Content-Type.
    public static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPStatus = .ok) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", contentType)
        return HTTPResponse(status: status, headers: headers, body: .bytes(bytes))
    }

    /// Plain UTF-8 text.
    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        bytes(Array(text.utf8), contentType: "text/plain; charset=utf-8", status: status)
    }

    /// An HTML page (the caller escapes what it interpolates: ``HTML/escape(_:)``).
    public static func html(_ html: String, status: HTTPStatus = .ok) -> HTTPResponse {
        bytes(Array(html.utf8), contentType: "text/html; charset=utf-8", status: status)
    }

    /// A redirect to `location` (301 by default).
    public static func redirect(to location: String, status: HTTPStatus = .movedPermanently) -> HTTPResponse {
        var response = html("<a href=\"" + HTML.escape(location) + "\">moved here</a>\n", status: status)
        response.headers.add("Location", location)
        return response
    }

    /// A small HTML page that names the status and says `message` (escaped).
    public static func errorPage(_ status: HTTPStatus, message: String = "") -> HTTPResponse {
        let title = HTML.escape(status.description)
        var page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head>\n"
        page += "<body><h1>" + title + "</h1>\n"
        if !message.isEmpty { page += "<p>" + HTML.escape(message) + "</p>\n" }
        page += "</body></html>\n"
        return html(page, status: status)
    }
}

/// Handles one request. A thrown ``HTTPError`` becomes a response with its status.
public typealias HTTPHandler = (HTTPRequest) async throws(HTTPError) -> HTTPResponse
