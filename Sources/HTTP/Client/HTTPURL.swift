/// An `http://` or `https://` URL split as the client needs it: RFC 3986's authority and path, without
/// user information or fragments.
public struct HTTPURL: Equatable, Sendable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    /// The host name or dotted-quad address.
    public var host: String
    /// The port (80, or 443 for `https`, when the URL has none).
    public var port: UInt16
    /// The path and query, at least `/`.
    public var target: String

    /// Parses `text`; throws ``HTTPClientError/invalidURL(_:)`` or
    /// ``HTTPClientError/unsupportedScheme(_:)``.
    public init(_ text: String) throws(HTTPClientError) {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: ASCII.colon), bytes[colon...].starts(with: "://".utf8) else {
            throw .invalidURL("'\(text)' has no scheme")
        }
        scheme = String(decoding: bytes[..<colon].map(ASCII.lower), as: UTF8.self)
        guard scheme == "http" || scheme == "https" else { throw .unsupportedScheme(scheme) }
        let rest = bytes[(colon + 3)...]
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains(UInt8(ascii: "@")) else { throw .invalidURL("user information in '\(text)'") }
        if let portColon = authority.lastIndex(of: ASCII.colon) {
            guard let number = ASCII.decimal(authority[(portColon + 1)...], limit: 65_535), number > 0 else {
                throw .invalidURL("bad port in '\(text)'")
            }
            port = UInt16(number)
            host = ASCII.string(authority[..<portColon])
        } else {
            port = scheme == "https" ? 443 : 80
            host = ASCII.string(authority)
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "[") }) else {
            throw .invalidURL("bad host in '\(text)'")
        }
        var path = rest[authorityEnd...]
        if let hash = path.firstIndex(of: UInt8(ascii: "#")) { path = path[..<hash] }
        guard path.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .invalidURL("spaces or control bytes in '\(text)'") }
        target = path.isEmpty ? "/" : (path.first == UInt8(ascii: "?") ? "/" + ASCII.string(path) : ASCII.string(path))
    }

    /// The URL a `Location` of `location` leads to from this one: absolute, or a path.
    func resolving(_ location: String) throws(HTTPClientError) -> HTTPURL {
        if location.utf8.first == UInt8(ascii: "/"), !location.utf8.starts(with: "//".utf8) {
            var next = self
            next.target = location
            return next
        }
        return try HTTPURL(location)
    }

    /// Whether the connection is TLS.
    public var isSecure: Bool { scheme == "https" }

    /// The scheme's port: 80 or 443.
    var defaultPort: UInt16 { isSecure ? 443 : 80 }

    /// The `Host` header's value: the port only when it is not the scheme's.
    var hostHeader: String { port == defaultPort ? host : "\(host):\(port)" }

    public var description: String { "\(scheme)://\(hostHeader)\(target)" }
}
