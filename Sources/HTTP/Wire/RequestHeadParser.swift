/// A request's line and header section, parsed.
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
}

/// How a request's body is delimited (RFC 9112 §6.3).
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
}

/// What parsing the bytes received so far gave.
enum HeadParseResult {
    /// More bytes are needed; nothing is wrong yet.
    case incomplete
    /// A whole head, which took `consumed` bytes of the input.
    case complete(HTTPRequestHead, consumed: Int)
    /// The request is malformed or over a limit: answer `status` and close.
    case failure(HTTPStatus, String)
}

/// Parses a request line and header section (RFC 9112 §2–5) from bytes, checking the
/// server's limits. Strict where leniency lets requests be smuggled: no space before a field's
/// colon, no obsolete line folding, no control bytes; bare LF line ends are accepted.
struct RequestHeadParser {
    let maxRequestLineLength: Int
    let maxHeaderBytes: Int
    let maxHeaderCount: Int

    init(configuration: HTTPServerConfiguration) {
        maxRequestLineLength = configuration.maxRequestLineLength
        maxHeaderBytes = configuration.maxHeaderBytes
        maxHeaderCount = configuration.maxHeaderCount
    }

    /// Parses the head at the start of `input`.
    func parse(_ input: ArraySlice<UInt8>) -> HeadParseResult {
        var index = input.startIndex
        // A few empty lines before a request are tolerated (RFC 9112 §2.2).
        var blankLines = 0
        while index < input.endIndex, input[index] == ASCII.cr || input[index] == ASCII.lf {
            blankLines += 1
            guard blankLines <= 8 else { return .failure(.badRequest, "empty lines instead of a request") }
            index += 1
        }
        guard let lineEnd = Self.lineEnd(in: input, from: index) else {
            // Its CR may have come without the LF: a line of exactly the limit is not yet too long.
            if Self.withoutCR(input[index...]).count > maxRequestLineLength { return .failure(.uriTooLong, "request line too long") }
            return .incomplete
        }
        let line = Self.withoutCR(input[index..<lineEnd])
        guard line.count <= maxRequestLineLength else { return .failure(.uriTooLong, "request line too long") }
        let method: HTTPMethod, target: String, version: HTTPVersion
        switch parseRequestLine(line) {
        case .success(let parts): (method, target, version) = parts
        case .failure(let failure): return .failure(failure.status, failure.message)
        }

        var headers = HTTPHeaders()
        var position = lineEnd + 1
        let headerStart = position
        while true {
            guard let end = Self.lineEnd(in: input, from: position) else {
                if input.endIndex - headerStart > maxHeaderBytes { return .failure(.requestHeaderFieldsTooLarge, "header section too large") }
                return .incomplete
            }
            guard end + 1 - headerStart <= maxHeaderBytes else {
                return .failure(.requestHeaderFieldsTooLarge, "header section too large")
            }
            let fieldLine = Self.withoutCR(input[position..<end])
            position = end + 1
            if fieldLine.isEmpty { break }
            guard headers.count < maxHeaderCount else {
                return .failure(.requestHeaderFieldsTooLarge, "more than \(maxHeaderCount) header fields")
            }
            guard let colon = fieldLine.firstIndex(of: ASCII.colon), colon > fieldLine.startIndex else {
                return .failure(.badRequest, "malformed header field")
            }
            let name = fieldLine[fieldLine.startIndex..<colon]
            guard name.allSatisfy(ASCII.isTokenCharacter) else {
                // Also rejects obsolete line folding (a line starting with a space) and a space before the colon.
                return .failure(.badRequest, "malformed header field name")
            }
            let value = ASCII.trimmed(fieldLine[(colon + 1)...])
            guard value.allSatisfy({ $0 == ASCII.tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
                return .failure(.badRequest, "control character in a header field")
            }
            headers.add(ASCII.string(name), ASCII.string(value))
        }
        return .complete(HTTPRequestHead(method: method, target: target, version: version, headers: headers),
                         consumed: position - input.startIndex)
    }

    private struct Failure: Error {
        let status: HTTPStatus
        let message: String
    }

    private func parseRequestLine(_ line: ArraySlice<UInt8>) -> Result<(HTTPMethod, String, HTTPVersion), Failure> {
        let parts = line.split(separator: ASCII.space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(ASCII.isTokenCharacter) else {
            return .failure(Failure(status: .badRequest, message: "malformed request line"))
        }
        let target = parts[1]
        // Origin form ("/path?query"), asterisk form for OPTIONS, absolute form for proxies.
        guard let first = target.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "*") || first == UInt8(ascii: "h") || first == UInt8(ascii: "H"),
              target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(Failure(status: .badRequest, message: "malformed request target"))
        }
        let versionBytes = parts[2]
        guard versionBytes.count == 8, versionBytes.starts(with: "HTTP/".utf8),
              versionBytes[versionBytes.startIndex + 6] == UInt8(ascii: "."),
              let major = ASCII.decimal(versionBytes[(versionBytes.startIndex + 5)...(versionBytes.startIndex + 5)]),
              let minor = ASCII.decimal(versionBytes[(versionBytes.startIndex + 7)...]) else {
            return .failure(Failure(status: .badRequest, message: "malformed HTTP version"))
        }
        guard major == 1 else {
            return .failure(Failure(status: .httpVersionNotSupported, message: "only HTTP/1.x is served"))
        }
        var targetText = ASCII.string(target)
        if first != UInt8(ascii: "/") && first != UInt8(ascii: "*") {
            // Absolute form: keep only the path and query (RFC 9112 §3.2.2).
            guard let path = Self.pathOfAbsoluteForm(target) else {
                return .failure(Failure(status: .badRequest, message: "malformed request target"))
            }
            targetText = path
        }
        return .success((HTTPMethod(ASCII.string(parts[0])), targetText, HTTPVersion(major: 1, minor: min(minor, 1))))
    }

    /// The path and query of `http://host/path?query`, or `nil` if it is not of that form.
    private static func pathOfAbsoluteForm(_ target: ArraySlice<UInt8>) -> String? {
        let lower = target.prefix(8).map(ASCII.lower)
        let scheme: Int
        if lower.starts(with: "http://".utf8) { scheme = 7 } else if lower.starts(with: "https://".utf8) { scheme = 8 } else { return nil }
        let rest = target.dropFirst(scheme)
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return rest.isEmpty ? nil : "/" }
        return ASCII.string(rest[slash...])
    }

    /// The index of the next LF at or after `start`.
    static func lineEnd(in input: ArraySlice<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < input.endIndex {
            if input[index] == ASCII.lf { return index }
            index += 1
        }
        return nil
    }

    /// `line` without a trailing CR.
    static func withoutCR(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == ASCII.cr ? line.dropLast() : line
    }

    /// How the body of a request with `headers` is delimited, or the status to refuse it with.
    static func bodyFraming(_ headers: HTTPHeaders, maxBodySize: Int) -> Result<BodyFraming, HTTPError> {
        let encodings = headers.values("Transfer-Encoding")
        let lengths = headers.values("Content-Length")
        if !encodings.isEmpty {
            // Both framings at once is how requests are smuggled past proxies: refuse it.
            guard lengths.isEmpty else { return .failure(HTTPError(.badRequest, "both Transfer-Encoding and Content-Length")) }
            var codings: [ArraySlice<UInt8>] = []
            for value in encodings { codings += ASCII.splitList(value) }
            guard codings.count == 1, ASCII.equalsIgnoringCase(codings[0], "chunked") else {
                return .failure(HTTPError(.notImplemented, "only the chunked transfer coding is understood"))
            }
            return .success(.chunked)
        }
        guard !lengths.isEmpty else { return .success(.none) }
        var length: Int?
        for value in lengths {
            for item in ASCII.splitList(value) {
                guard let number = ASCII.decimal(item) else { return .failure(HTTPError(.badRequest, "malformed Content-Length")) }
                guard length == nil || length == number else { return .failure(HTTPError(.badRequest, "conflicting Content-Length values")) }
                length = number
            }
        }
        guard let length else { return .failure(HTTPError(.badRequest, "malformed Content-Length")) }
        guard length <= maxBodySize else { return .failure(HTTPError(.contentTooLarge, "the body is over \(maxBodySize) bytes")) }
        return .success(length == 0 ? .none : .length(length))
    }
}
