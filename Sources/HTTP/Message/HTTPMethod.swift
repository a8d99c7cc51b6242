/// An HTTP request method (RFC 9110 §9): any token, with the common ones spelled out.
public struct HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    /// The method as it appears on the request line, case-sensitive: `GET`.
    public let rawValue: String

    /// The method named `rawValue` (a token, case-sensitive).
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static let get = HTTPMethod("GET")
    public static let head = HTTPMethod("HEAD")
    public static let post = HTTPMethod("POST")
    public static let put = HTTPMethod("PUT")
    public static let delete = HTTPMethod("DELETE")
    public static let patch = HTTPMethod("PATCH")
    public static let options = HTTPMethod("OPTIONS")

    public var description: String { rawValue }
}

/// The protocol version on a request line: HTTP/1.0 or HTTP/1.1.
public struct HTTPVersion: Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    public var description: String { "HTTP/\(major).\(minor)" }
}
