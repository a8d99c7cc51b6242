/// A response's status line and header section, parsed.
public struct HTTPResponseHead: Sendable {
    /// The version on the status line.
    public var version: HTTPVersion
    /// The status code and the reason phrase the server sent.
    public var status: HTTPStatus
    /// The header fields.
    public var headers: HTTPHeaders
}

/// Parses a status line and header section (RFC 9112 §4–5), as the client reads it, with the
/// server parser's line and field rules (``RequestHeadParser``): no space before a colon, no
/// line folding, no control bytes; bare LF line ends accepted.
struct ResponseHeadParser {
    let maxHeaderBytes: Int
    let maxHeaderCount: Int

    enum Result {
        case incomplete
        case complete(HTTPResponseHead, consumed: Int)
        case failure(String)
    }

    func parse(_ input: ArraySlice<UInt8>) -> Result {
        guard let lineEnd = RequestHeadParser.lineEnd(in: input, from: input.startIndex) else {
            return input.count > maxHeaderBytes ? .failure("status line too long") : .incomplete
        }
        let line = RequestHeadParser.withoutCR(input[input.startIndex..<lineEnd])
        // HTTP/1.1 200 OK — the reason phrase may be empty or missing.
        guard line.count >= 12, line.starts(with: "HTTP/1.".utf8), line[line.startIndex + 8] == ASCII.space,
              let minor = ASCII.decimal(line[(line.startIndex + 7)...(line.startIndex + 7)]),
              let code = ASCII.decimal(line[(line.startIndex + 9)..<(line.startIndex + 12)]), (100...999).contains(code),
              line.count == 12 || line[line.startIndex + 12] == ASCII.space else {
            return .failure("malformed status line")
        }
        let reason = line.count > 13 ? ASCII.string(line[(line.startIndex + 13)...]) : ""
        var headers = HTTPHeaders()
        var position = lineEnd + 1
        while true {
            guard let end = RequestHeadParser.lineEnd(in: input, from: position) else {
                return input.count > maxHeaderBytes ? .failure("header section too large") : .incomplete
            }
            guard end + 1 - input.startIndex <= maxHeaderBytes else { return .failure("header section too large") }
            let fieldLine = RequestHeadParser.withoutCR(input[position..<end])
            position = end + 1
            if fieldLine.isEmpty { break }
            guard headers.count < maxHeaderCount else { return .failure("more than \(maxHeaderCount) header fields") }
            guard let colon = fieldLine.firstIndex(of: ASCII.colon), colon > fieldLine.startIndex,
                  fieldLine[fieldLine.startIndex..<colon].allSatisfy(ASCII.isTokenCharacter) else {
                return .failure("malformed header field")
            }
            let value = ASCII.trimmed(fieldLine[(colon + 1)...])
            guard value.allSatisfy({ $0 == ASCII.tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
                return .failure("control character in a header field")
            }
            headers.add(ASCII.string(fieldLine[fieldLine.startIndex..<colon]), ASCII.string(value))
        }
        let head = HTTPResponseHead(version: HTTPVersion(major: 1, minor: min(minor, 1)),
                                    status: HTTPStatus(code: code, reason: reason), headers: headers)
        return .complete(head, consumed: position - input.startIndex)
    }

    /// How the body of a response to `method` is delimited (RFC 9112 §6.3): none for HEAD,
    /// 1xx, 204 and 304; chunked; Content-Length; else until the server closes. `nil` when the
    /// framing is contradictory or malformed (smuggling: both, or lengths that disagree).
    static func framing(_ head: HTTPResponseHead, method: HTTPMethod) -> ResponseFraming? {
        let code = head.status.code
        if method == .head || (100..<200).contains(code) || code == 204 || code == 304 { return .some(.none) }
        let encodings = head.headers.values("Transfer-Encoding")
        let lengths = head.headers.values("Content-Length")
        if !encodings.isEmpty {
            guard lengths.isEmpty else { return nil }
            var codings: [ArraySlice<UInt8>] = []
            for value in encodings { codings += ASCII.splitList(value) }
            // Chunked must be the last coding; anything else before it is not decoded here.
            guard codings.count == 1, ASCII.equalsIgnoringCase(codings[0], "chunked") else { return nil }
            return .chunked
        }
        guard !lengths.isEmpty else { return .untilClose }
        var length: Int? = nil
        for value in lengths {
            for item in ASCII.splitList(value) {
                guard let number = ASCII.decimal(item), length == nil || length == number else { return nil }
                length = number
            }
        }
        return length.map { ResponseFraming.length($0) }
    }
}

/// How a response body ends.
enum ResponseFraming: Equatable {
    case none
    case length(Int)
    case chunked
    case untilClose
}
