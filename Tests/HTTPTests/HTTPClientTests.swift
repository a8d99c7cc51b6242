import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletNet
@testable import SwiftletHTTP

/// The client on Swiftlet's stack against Swiftlet's HTTP server over the in-memory link, on
/// simulated time (``HTTPServerTests/withServer(_:router:_:)``): bodies of each framing,
/// keep-alive reuse, redirects and their bound, the size bound, timeouts, malformed answers.
@Suite struct HTTPClientTests {
    typealias Client = HTTPClient<HTTPServerTests.Stack, DNSLiteralAddresses, PlatformTime<SimulatedPlatform>>

    static func client(_ context: HTTPServerTests.Context, _ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) -> Client {
        var configuration = HTTPClientConfiguration()
        configure(&configuration)
        return HTTPClient(stack: context.client, resolver: DNSLiteralAddresses(), time: PlatformTime(loop: context.loop),
                          configuration: configuration, spawn: { context.loop.spawn($0) })
    }

    static func router() -> Router {
        let router = HTTPServerTests.website()
        router.get("/hop/:count") { request in
            let count = Int(request.parameter("count") ?? "") ?? 0
            return count == 0 ? .text("arrived") : .redirect(to: "/hop/\(count - 1)", status: .found)
        }
        router.get("/big") { _ in .bytes([UInt8](repeating: 0x61, count: 200_000), contentType: "application/octet-stream") }
        return router
    }

    @Test func getsWithLengthAndChunkedBodiesOnOneKeptAliveConnection() throws {
        try HTTPServerTests().withServer(router: Self.router()) { context in
            let client = Self.client(context)
            let front = try await client.get("http://10.0.0.2/")
            #expect(front.status.code == 200 && front.text == "<h1>front</h1>")
            let streamed = try await client.get("http://10.0.0.2/stream/300")
            #expect(streamed.headers["Transfer-Encoding"] == "chunked")
            #expect(streamed.text == (0..<300).map { "line \($0)\n" }.joined())
            let echoed = try await client.request(.post, "http://10.0.0.2/echo", body: Array("hello body".utf8))
            #expect(echoed.text == "hello body")
            let head = try await client.request(.head, "http://10.0.0.2/")
            #expect(head.status.code == 200 && head.body.isEmpty)
            #expect(client.connectionsOpened == 1 && client.connectionsReused == 3)
            await client.closeIdleConnections()
        }
    }

    @Test func followsRedirectsUpToTheBound() throws {
        try HTTPServerTests().withServer(router: Self.router()) { context in
            let client = Self.client(context) { $0.maxRedirects = 3 }
            let arrived = try await client.get("http://10.0.0.2/hop/3")
            #expect(arrived.text == "arrived" && arrived.redirects == 3 && arrived.url.target == "/hop/0")
            await #expect(throws: HTTPClientError.tooManyRedirects(3)) { try await client.get("http://10.0.0.2/hop/4") }
            await client.closeIdleConnections()
        }
    }

    @Test func refusesResponsesOverTheSizeBound() throws {
        try HTTPServerTests().withServer(router: Self.router()) { context in
            let client = Self.client(context) { $0.maxResponseBytes = 100_000 }
            await #expect(throws: HTTPClientError.responseTooLarge(limit: 100_000)) { try await client.get("http://10.0.0.2/big") }
            await #expect(throws: HTTPClientError.responseTooLarge(limit: 100_000)) { try await client.get("http://10.0.0.2/stream/20000") }
            let small = try await client.get("http://10.0.0.2/echo/ok")
            #expect(small.text == "ok")
        }
    }

    @Test func parsesHTTPSURLsWithTheirDefaultPort() throws {
        let url = try HTTPURL("HTTPS://acme.example/dir?x")
        #expect(url.isSecure && url.port == 443 && url.host == "acme.example" && url.target == "/dir?x")
        #expect(url.description == "https://acme.example/dir?x")
        #expect(try HTTPURL("https://acme.example:80/").description == "https://acme.example:80/")
        #expect(throws: HTTPClientError.unsupportedScheme("ftp")) { try HTTPURL("ftp://acme.example/") }
    }

    @Test func refusesBadURLsUnknownNamesAndClosedPorts() throws {
        try HTTPServerTests().withServer(router: Self.router()) { context in
            let client = Self.client(context) { $0.headerTimeout = .seconds(3) }
            await #expect(throws: HTTPClientError.invalidURL("'10.0.0.2' has no scheme")) { try await client.get("10.0.0.2") }
            await #expect(throws: HTTPClientError.unsupportedScheme("https")) { try await client.get("https://10.0.0.2/") }
            await #expect(throws: HTTPClientError.resolutionFailed(.noServers)) { try await client.get("http://example.com/") }
            await #expect(throws: HTTPClientError.connectionFailed(.connectionRefused)) { try await client.get("http://10.0.0.2:9/") }
        }
    }

    /// The loop, for a handler that sleeps on it.
    final class LoopBox: @unchecked Sendable {
        var loop: SwiftletRuntime.RunLoop<SimulatedPlatform>?
    }

    @Test func timesOutConnectingAndWaitingForHeaders() throws {
        let box = LoopBox()
        let router = Self.router()
        router.get("/sleep") { _ in
            if let loop = box.loop { await loop.sleep(until: loop.platform.monotonicNow() + .seconds(20)) }
            return .text("late")
        }
        try HTTPServerTests().withServer(router: router) { context in
            box.loop = context.loop
            let client = Self.client(context) {
                $0.headerTimeout = .seconds(3)
                $0.connectTimeout = .seconds(2)
            }
            var started = context.loop.platform.monotonicNow()
            await #expect(throws: HTTPClientError.timedOut("headers")) { try await client.get("http://10.0.0.2/sleep") }
            var elapsed = context.loop.platform.monotonicNow() - started
            #expect(elapsed >= .seconds(3) && elapsed < .seconds(4))
            // The client's own address: a SYN nobody answers.
            started = context.loop.platform.monotonicNow()
            await #expect(throws: HTTPClientError.timedOut("connect")) { try await client.get("http://10.0.0.1:7000/") }
            elapsed = context.loop.platform.monotonicNow() - started
            #expect(elapsed >= .seconds(2) && elapsed < .seconds(3))
            // And the client still works.
            let front = try await client.get("http://10.0.0.2/")
            #expect(front.status.code == 200)
        }
    }

    @Test func parsesStatusLinesStrictly() {
        let parser = ResponseHeadParser(maxHeaderBytes: 1000, maxHeaderCount: 10)
        guard case .complete(let head, let consumed) = parser.parse(Array("HTTP/1.1 404 Not Found\r\nA: b\r\n\r\nrest".utf8)[...]) else {
            Issue.record("did not parse")
            return
        }
        #expect(head.status.code == 404 && head.status.reason == "Not Found" && head.headers["a"] == "b" && consumed == 32)
        for bad in ["HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n", "HTTP/1.1 200 OK\r\n folded\r\n\r\n"] {
            guard case .failure = parser.parse(Array(bad.utf8)[...]) else {
                Issue.record("accepted \(bad)")
                continue
            }
        }
        func framing(_ text: String, _ method: HTTPMethod = .get) -> ResponseFraming? {
            guard case .complete(let head, _) = parser.parse(Array(text.utf8)[...]) else { return nil }
            return ResponseHeadParser.framing(head, method: method)
        }
        #expect(framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") == nil)
        #expect(framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") == nil)
        #expect(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == nil)
        #expect(framing("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n") == .length(5))
        #expect(framing("HTTP/1.1 200 OK\r\n\r\n") == .untilClose)
        #expect(framing("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n") == ResponseFraming.none)
        #expect(framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", .head) == ResponseFraming.none)
        guard case .incomplete = parser.parse(Array("HTTP/1.1 200 OK\r\nA: b\r\n".utf8)[...]) else {
            Issue.record("a partial head is not incomplete")
            return
        }
    }
}
