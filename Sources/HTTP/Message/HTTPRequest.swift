import SwiftletDevices

/// One request, its body read whole (up to the server's ``HTTPServerConfiguration/maxBodySize``).
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request target as sent: `/echo/hi?lang=en`.
    public var target: String
    /// The path part of the target, not yet percent-decoded: `/echo/hi`.
    public var path: String
    /// The query part of the target without `?`, if there is one: `lang=en`.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The body, de-chunked; empty when the request has none.
    public var body: [UInt8]
    /// Values the router took from the path for its pattern's `:name` and `*name` segments.
    public var parameters: [String: String] = [:]
    /// The client's address and port, when the server knows them.
    public var remoteEndpoint: IPv4Endpoint?

    /// A request; `path` and `query` are split from `target`.
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        let bytes = Array(target.utf8)
        if let mark = bytes.firstIndex(of: UInt8(ascii: "?")) {
            path = ASCII.string(bytes[..<mark])
            query = ASCII.string(bytes[(mark + 1)...])
        } else {
            path = target
            query = nil
        }
    }

    /// The value the router matched for `:name` (or `*name`) in the route's pattern, decoded.
    public func parameter(_ name: String) -> String? { parameters[name] }

    /// The path's segments, percent-decoded: `/a%20b/c/` → `["a b", "c"]`; `nil` when an
    /// escape is malformed or decodes to a NUL or a slash.
    public var pathSegments: [String]? { URLPath.segments(path) }

    /// The decoded value of `name` in the query string (`+` means a space), if present.
    public func queryItem(_ name: String) -> String? {
        guard let query else { return nil }
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = URLPath.decode(Array(parts[0]), plusIsSpace: true), key == name else { continue }
            return parts.count > 1 ? URLPath.decode(Array(parts[1]), plusIsSpace: true) : ""
        }
        return nil
    }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Whether the client wants the connection kept open after this request.
    public var wantsKeepAlive: Bool {
        if headers.listContains("Connection", token: "close") { return false }
        if version == .http1_1 { return true }
        return headers.listContains("Connection", token: "keep-alive")
    }
}

/// Percent-decoding of request paths (RFC 3986 §2.1).
public enum URLPath {
    /// The segments of `path`, each percent-decoded; empty segments are dropped. `nil` when an
    /// escape is malformed or a segment decodes to contain a NUL or a slash.
    public static func segments(_ path: String) -> [String]? {
        var segments: [String] = []
        for raw in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            guard let segment = decode(Array(raw), plusIsSpace: false),
                  !segment.utf8.contains(0), !segment.utf8.contains(UInt8(ascii: "/")) else { return nil }
            segments.append(segment)
        }
        return segments
    }

    /// `bytes` with `%XX` escapes decoded (and `+` as a space if asked); `nil` if an escape is
    /// malformed. Invalid UTF-8 is repaired.
    public static func decode(_ bytes: [UInt8], plusIsSpace: Bool) -> String? {
        guard bytes.contains(UInt8(ascii: "%")) || (plusIsSpace && bytes.contains(UInt8(ascii: "+"))) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = ASCII.hexDigit(bytes[index + 1]),
                      let low = ASCII.hexDigit(bytes[index + 2]) else { return nil }
                output.append(UInt8(high * 16 + low))
                index += 3
            } else {
                output.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
