import Testing
import SwiftletDevices
@testable import SwiftletHTTP

@Suite struct RequestHeadParserTests {
    let parser = RequestHeadParser(configuration: HTTPServerConfiguration())

    func parse(_ text: String, parser: RequestHeadParser? = nil) -> HeadParseResult {
        (parser ?? self.parser).parse(Array(text.utf8)[...])
    }

    @Test func parsesARequestLineAndHeaders() throws {
        let text = "GET /echo/hi?x=1 HTTP/1.1\r\nHost: example\r\nAccept:  text/html \r\nX-Two: a\r\nx-two: b\r\n\r\nrest"
        guard case .complete(let head, let consumed) = parse(text) else { Issue.record("not complete"); return }
        #expect(head.method == .get)
        #expect(head.target == "/echo/hi?x=1")
        #expect(head.version == .http1_1)
        #expect(head.headers["host"] == "example")
        #expect(head.headers["ACCEPT"] == "text/html")
        #expect(head.headers.values("X-Two") == ["a", "b"])
        #expect(consumed == text.utf8.count - 4)
    }

    @Test func everyPrefixIsIncompleteAndBareLineFeedsAreAccepted() {
        let text = "POST /upload HTTP/1.0\nHost: h\nContent-Length: 3\n\n"
        let bytes = Array(text.utf8)
        for end in 0..<bytes.count {
            guard case .incomplete = parser.parse(bytes[..<end]) else {
                Issue.record("prefix of \(end) bytes was not incomplete")
                return
            }
        }
        guard case .complete(let head, let consumed) = parser.parse(bytes[...]) else { Issue.record("not complete"); return }
        #expect(head.version == .http1_0 && head.method == .post && consumed == bytes.count)
    }

    @Test func absoluteFormKeepsThePathAndLeadingEmptyLinesAreSkipped() {
        guard case .complete(let head, _) = parse("\r\nGET http://example.com/a/b?c HTTP/1.1\r\nHost: x\r\n\r\n") else {
            Issue.record("not complete")
            return
        }
        #expect(head.target == "/a/b?c")
    }

    @Test(arguments: [
        "GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n", "GET / HTTP/1.x\r\n\r\n",
        "GET / FTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n", "GET nopath HTTP/1.1\r\n\r\n", "GET /a\u{1}b HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "GET / HTTP/1.1\r\nName : x\r\n\r\n", "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\n: empty\r\n\r\n", "GET / HTTP/1.1\r\nA: b\u{0}c\r\n\r\n",
        "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    ])
    func malformedRequestsAreBadRequests(text: String) {
        guard case .failure(let status, _) = parse(text) else {
            Issue.record("accepted \(text.debugDescription)")
            return
        }
        #expect(status == .badRequest)
    }

    @Test func otherMajorVersionsAreNotSupported() {
        guard case .failure(let status, _) = parse("GET / HTTP/2.0\r\n\r\n") else { Issue.record("accepted"); return }
        #expect(status == .httpVersionNotSupported)
    }

    @Test func limitsGiveTheirStatusesEvenBeforeTheHeadIsComplete() {
        var configuration = HTTPServerConfiguration()
        configuration.maxRequestLineLength = 100
        configuration.maxHeaderBytes = 200
        configuration.maxHeaderCount = 5
        let small = RequestHeadParser(configuration: configuration)
        let longTarget = "GET /" + String(repeating: "a", count: 200)
        guard case .failure(.uriTooLong, _) = parse(longTarget, parser: small) else { Issue.record("long line"); return }
        guard case .failure(.uriTooLong, _) = parse(longTarget + " HTTP/1.1\r\n\r\n", parser: small) else { Issue.record("long line"); return }
        let manyFields = "GET / HTTP/1.1\r\n" + String(repeating: "A: b\r\n", count: 6) + "\r\n"
        guard case .failure(.requestHeaderFieldsTooLarge, _) = parse(manyFields, parser: small) else { Issue.record("many fields"); return }
        let bigField = "GET / HTTP/1.1\r\nA: " + String(repeating: "b", count: 300)
        guard case .failure(.requestHeaderFieldsTooLarge, _) = parse(bigField, parser: small) else { Issue.record("big field"); return }
    }

    @Test func bodyFramingRefusesAmbiguity() throws {
        func framing(_ fields: [(String, String)], max: Int = 1000) -> Result<BodyFraming, HTTPError> {
            RequestHeadParser.bodyFraming(HTTPHeaders(fields), maxBodySize: max)
        }
        #expect(try framing([]).get() == BodyFraming.none)
        #expect(try framing([("Content-Length", "12")]).get() == .length(12))
        #expect(try framing([("Content-Length", "12"), ("content-length", "12")]).get() == .length(12))
        #expect(try framing([("Transfer-Encoding", "Chunked")]).get() == .chunked)
        #expect(framing([("Content-Length", "12"), ("Content-Length", "13")]).failure?.status == .badRequest)
        #expect(framing([("Content-Length", "-1")]).failure?.status == .badRequest)
        #expect(framing([("Content-Length", "99999999999999999999999")]).failure?.status == .badRequest)
        #expect(framing([("Content-Length", "1001")]).failure?.status == .contentTooLarge)
        #expect(framing([("Content-Length", "3"), ("Transfer-Encoding", "chunked")]).failure?.status == .badRequest)
        #expect(framing([("Transfer-Encoding", "gzip, chunked")]).failure?.status == .notImplemented)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

@Suite struct ChunkedDecoderTests {
    static let encoded = Array("5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT".utf8)

    @Test func decodesInOnePieceAndByteByByte() {
        var whole = ChunkedDecoder(maxBodySize: 100, maxTrailerBytes: 100)
        #expect(whole.consume(Self.encoded[...]) == .done(consumed: Self.encoded.count - 4))
        #expect(whole.body == Array("hello world".utf8))

        var bytewise = ChunkedDecoder(maxBodySize: 100, maxTrailerBytes: 100)
        var outcome = ChunkedDecoder.Outcome.needMore
        var index = 0
        while case .needMore = outcome, index < Self.encoded.count {
            outcome = bytewise.consume(Self.encoded[index...index])
            index += 1
        }
        #expect(outcome == .done(consumed: 1))
        #expect(index == Self.encoded.count - 4)
        #expect(bytewise.body == Array("hello world".utf8))
    }

    @Test(arguments: ["x\r\n", "\r\n", "5\r\nhello!\r\n", "5\r\nhello\r\r", "3\r\nabc\r\n0\r\n\r\r"])
    func malformedEncodingsAreBadRequests(text: String) {
        var decoder = ChunkedDecoder(maxBodySize: 100, maxTrailerBytes: 100)
        guard case .failure(let error) = decoder.consume(Array(text.utf8)[...]) else { Issue.record("accepted \(text.debugDescription)"); return }
        #expect(error.status == .badRequest)
    }

    @Test func oversizedChunksAndBodiesAreTooLarge() {
        var decoder = ChunkedDecoder(maxBodySize: 10, maxTrailerBytes: 100)
        guard case .failure(let error) = decoder.consume(Array("ffffffffffffffffffff\r\n".utf8)[...]) else { Issue.record("accepted"); return }
        #expect(error.status == .contentTooLarge)
        var second = ChunkedDecoder(maxBodySize: 10, maxTrailerBytes: 100)
        guard case .failure(let again) = second.consume(Array("8\r\n12345678\r\n8\r\n12345678\r\n".utf8)[...]) else { Issue.record("accepted"); return }
        #expect(again.status == .contentTooLarge)
    }
}

@Suite struct HTTPDateTests {
    @Test func formatsAndParsesIMFFixdate() {
        let time = WallClockTime(secondsSinceEpoch: 784_111_777)
        #expect(HTTPDate.format(time) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == time)
        #expect(HTTPDate.format(WallClockTime(secondsSinceEpoch: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(WallClockTime(secondsSinceEpoch: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 GMT")
        for seconds in stride(from: Int64(0), to: 4_000_000_000, by: 86_400 * 37 + 3_601) {
            let time = WallClockTime(secondsSinceEpoch: seconds)
            #expect(HTTPDate.parse(HTTPDate.format(time)) == time)
        }
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("Sun, 06 Foo 1994 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 25:49:37 GMT") == nil)
    }
}
