import Foundation
import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletNet
@testable import SwiftletHTTP

/// The server on Swiftlet's own stack, talking to a raw TCP client on a second stack over an
/// in-memory link, on simulated time: real TCP, real bytes, and timeouts that take no time.
@Suite struct HTTPServerTests {
    typealias Stack = DirectStack<MemoryLink.Endpoint, SimulatedPlatform>
    typealias Server = HTTPServer<Stack, PlatformTime<SimulatedPlatform>, PlatformMonotonicClock<SimulatedPlatform>,
                                  PlatformWallClock<SimulatedPlatform>>

    static let serverAddress = IPv4Endpoint(address: IPv4Address(10, 0, 0, 2), port: 80)

    /// What a test's client side gets: the client stack, the server and the loop.
    struct Context {
        let client: Stack
        let server: Server
        let loop: SwiftletRuntime.RunLoop<SimulatedPlatform>

        func connect() async throws -> Stack.Listener.Connection {
            try await client.connect(to: HTTPServerTests.serverAddress)
        }

        /// Sends `text` on a new connection and reads until the server closes it.
        func exchange(_ text: String) async throws -> String {
            let connection = try await connect()
            try await connection.write(Array(text.utf8))
            let reply = await Self.readToEnd(connection)
            await connection.close()
            return reply
        }

        static func readToEnd(_ connection: Stack.Listener.Connection) async -> String {
            var bytes: [UInt8] = []
            while let more = try? await connection.read(maxLength: 65536) { bytes += more }
            return String(decoding: bytes, as: UTF8.self)
        }

        func sleep(_ duration: Duration) async {
            await loop.sleep(until: loop.platform.monotonicNow() + duration)
        }
    }

    static func website() -> Router {
        let router = Router()
        router.get("/") { _ in .html("<h1>front</h1>") }
        router.get("/echo/:word") { request in .html(HTML.escape(request.parameter("word") ?? "")) }
        router.post("/echo") { request in .bytes(request.body, contentType: "application/octet-stream") }
        router.get("/stream/:count") { request in
            let count = Int(request.parameter("count") ?? "") ?? 0
            return HTTPResponse(body: .stream(length: nil) { writer throws(HTTPError) in
                for index in 0..<count { try await writer.write("line \(index)\n") }
            })
        }
        router.get("/slow") { _ in .text("late") }
        router.use(Middleware.errorPages())
        router.use(Middleware.entityTags())
        return router
    }

    /// Runs `body` as the client against a server answering with `router`.
    func withServer(_ configuration: HTTPServerConfiguration = HTTPServerConfiguration(), router: Router = website(),
                    _ body: @escaping (Context) async throws -> Void) throws {
        let loop = SwiftletRuntime.RunLoop(platform: SimulatedPlatform())
        let link = MemoryLink(macA: MACAddress(2, 0, 0, 0, 0, 1), macB: MACAddress(2, 0, 0, 0, 0, 2), capacity: 4096)
        func stack(_ end: MemoryLink.Endpoint, _ address: IPv4Address, _ seed: UInt64) -> Stack {
            DirectStack(link: end, loop: loop, configuration: DirectStackConfiguration(
                addressing: .fixed(IPv4Settings(address: IPv4Prefix(address: address, length: 24)!)), seed: seed))
        }
        let client = stack(link.a, IPv4Address(10, 0, 0, 1), 1)
        let serverStack = stack(link.b, Self.serverAddress.address, 2)
        let server = Server(stack: serverStack, time: PlatformTime(loop: loop), clock: PlatformMonotonicClock(platform: loop.platform),
                            wallClock: PlatformWallClock(platform: loop.platform), configuration: configuration,
                            spawn: { loop.spawn($0) })
        var failure: (any Error)?
        let status = try loop.run {
            await client.start()
            await serverStack.start()
            var served = false
            loop.spawn {
                try? await server.serve(port: 80, handler: router.handler)
                served = true
            }
            await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(1))
            do { try await body(Context(client: client, server: server, loop: loop)) } catch { failure = error }
            await server.shutdown(gracePeriod: .seconds(1))
            for _ in 0..<500 where !served { await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(10)) }
            return served ? 0 : 1
        }
        if let failure { throw failure }
        #expect(status == 0, "serve returned after shutdown")
    }

    /// The responses in `text`, split by their framing: (status line, headers, body).
    static func responses(_ text: String) -> [(status: String, headers: HTTPHeaders, body: String)] {
        var result: [(status: String, headers: HTTPHeaders, body: String)] = []
        let bytes = Array(text.utf8)
        var index = 0
        func line() -> String? {
            guard let end = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            let text = String(decoding: bytes[index..<end].filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
            index = end + 1
            return text
        }
        while let status = line() {
            var headers = HTTPHeaders()
            while let field = line(), !field.isEmpty {
                let parts = field.split(separator: ":", maxSplits: 1)
                headers.add(String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
            }
            var body: [UInt8] = []
            if let length = headers["Content-Length"].flatMap({ Int($0) }) {
                body = Array(bytes[index..<min(bytes.count, index + length)])
                index = min(bytes.count, index + length)
            } else if headers["Transfer-Encoding"] == "chunked" {
                while let sizeLine = line(), let size = Int(sizeLine, radix: 16), index + size <= bytes.count {
                    body += bytes[index..<(index + size)]
                    index += size
                    _ = line()
                    if size == 0 { break }
                }
            }
            result.append((status, headers, String(decoding: body, as: UTF8.self)))
        }
        return result
    }

    private let get = "GET / HTTP/1.1\r\nHost: test\r\n\r\n"

    @Test func keepAliveAndPipelinedRequestsAreAnsweredInOrder() throws {
        try withServer { context in
            let connection = try await context.connect()
            try await connection.write(Array(("GET /echo/one HTTP/1.1\r\nHost: t\r\n\r\n" + "GET /echo/two HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET /echo/three HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").utf8))
            let replies = Self.responses(await Context.readToEnd(connection))
            #expect(replies.map(\.body) == ["one", "two", "three"])
            #expect(replies.map(\.status) == Array(repeating: "HTTP/1.1 200 OK", count: 3))
            #expect(replies.last?.headers["Connection"] == "close")
            #expect(replies.first?.headers["Connection"] == nil)
            #expect(replies.first?.headers["Server"] == "Swiftlet")
            #expect(replies.first?.headers["Date"].flatMap(HTTPDate.parse) != nil)
            await connection.close()
            #expect(context.server.statistics.requests == 3)
        }
    }

    @Test func headGivesTheHeadersOfGetWithoutTheBody() throws {
        try withServer { context in
            let reply = try await context.exchange("HEAD / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(reply.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(reply.hasSuffix("\r\n\r\n"))
            #expect(reply.contains("Content-Length: 14\r\n"))
        }
    }

    @Test func entityTagsRevalidateTo304() throws {
        try withServer { context in
            let first = Self.responses(try await context.exchange("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"))
            let tag = try #require(first.first?.headers["ETag"])
            let second = try await context.exchange("GET / HTTP/1.1\r\nHost: t\r\nIf-None-Match: \(tag)\r\nConnection: close\r\n\r\n")
            #expect(second.hasPrefix("HTTP/1.1 304 Not Modified\r\n"))
            #expect(second.contains("ETag: \(tag)\r\n"))
            #expect(!second.contains("Content-Length"))
            #expect(second.hasSuffix("\r\n\r\n"))
            let stale = try await context.exchange("GET / HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"old\"\r\nConnection: close\r\n\r\n")
            #expect(stale.hasPrefix("HTTP/1.1 200 OK\r\n"))
        }
    }

    @Test func chunkedAndLengthDelimitedUploadsAreEchoed() throws {
        try withServer { context in
            var chunked = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            var expected = ""
            for index in 0..<50 {
                let piece = String(repeating: Character(Unicode.Scalar(UInt8(97 + index % 26))), count: 100 + index)
                chunked += String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n"
                expected += piece
            }
            chunked += "0\r\n\r\n"
            chunked += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
            let replies = Self.responses(try await context.exchange(chunked))
            #expect(replies.count == 2)
            #expect(replies.first?.body == expected)
            #expect(replies.last?.body == "hello")
        }
    }

    @Test func expectContinueGetsAnInterimResponse() throws {
        try withServer { context in
            let connection = try await context.connect()
            try await connection.write(Array("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n".utf8))
            let interim = try await connection.read(maxLength: 1000).map { String(decoding: $0, as: UTF8.self) }
            #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
            try await connection.write(Array("ok".utf8))
            let reply = await Context.readToEnd(connection)
            #expect(Self.responses(reply).first?.body == "ok")
            await connection.close()
        }
    }

    @Test func streamedResponsesAreChunkedOnHTTP11AndCloseDelimitedOn10() throws {
        try withServer { context in
            let expected = (0..<1000).map { "line \($0)\n" }.joined()
            let reply = try await context.exchange("GET /stream/1000 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let parsed = Self.responses(reply)
            #expect(parsed.first?.headers["Transfer-Encoding"] == "chunked")
            #expect(parsed.first?.body == expected)
            #expect(reply.hasSuffix("0\r\n\r\n"))
            let old = try await context.exchange("GET /stream/1000 HTTP/1.0\r\n\r\n")
            #expect(old.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(old.contains("Connection: close\r\n"))
            #expect(old.hasSuffix("\r\n\r\n" + expected))
        }
    }

    @Test func http10KeepAliveIsOptIn() throws {
        try withServer { context in
            let connection = try await context.connect()
            try await connection.write(Array("GET /echo/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /echo/b HTTP/1.0\r\n\r\n".utf8))
            let replies = Self.responses(await Context.readToEnd(connection))
            #expect(replies.map(\.body) == ["a", "b"])
            #expect(replies.first?.headers["Connection"] == "keep-alive")
            #expect(replies.last?.headers["Connection"] == "close")
            await connection.close()
        }
    }

    @Test func badRequestsGetTheirStatusAndTheConnectionCloses() throws {
        var configuration = HTTPServerConfiguration()
        configuration.maxBodySize = 1000
        try withServer(configuration) { context in
            let cases: [(String, String)] = [
                ("GARBAGE\r\n\r\n", "400"),
                ("GET / HTTP/1.1\r\n\r\n", "400"),  // no Host
                ("GET / HTTP/3.0\r\nHost: t\r\n\r\n", "505"),
                ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\n\r\n", "414"),
                ("GET / HTTP/1.1\r\n" + String(repeating: "X-A: b\r\n", count: 101) + "\r\n", "431"),
                ("GET / HTTP/1.1\r\nX-Big: " + String(repeating: "b", count: 40_000) + "\r\n\r\n", "431"),
                ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n", "413"),
                ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n", "413"),
                ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", "400"),
                ("GET /echo/%zz HTTP/1.1\r\nHost: t\r\n\r\n", "400"),
                ("DELETE /echo/x HTTP/1.1\r\nHost: t\r\n\r\n", "405"),
                ("GET /missing HTTP/1.1\r\nHost: t\r\n\r\n", "404"),
            ]
            for (request, status) in cases {
                let reply = try await context.exchange(request)
                #expect(reply.hasPrefix("HTTP/1.1 \(status) "), "\(request.prefix(40).debugDescription) → \(reply.prefix(40).debugDescription)")
                // Refusals by the server itself (not the router's answers) close the connection.
                if Int(status)! >= 400 && !request.contains("%zz") && status != "404" && status != "405" {
                    #expect(reply.contains("Connection: close\r\n"), "\(status) closes")
                }
            }
            // And the server still serves.
            let after = try await context.exchange("GET /echo/still HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(Self.responses(after).first?.body == "still")
        }
    }

    @Test func aSlowlorisClientIsCutOffAtTheHeaderDeadlineWhileOthersAreServed() throws {
        var configuration = HTTPServerConfiguration()
        configuration.headerTimeout = .seconds(5)
        try withServer(configuration) { context in
            let slow = try await context.connect()
            try await slow.write(Array("GET / HTTP/1.1\r\n".utf8))
            let start = context.loop.platform.monotonicNow()
            var reply: String? = nil
            context.loop.spawn { reply = await Context.readToEnd(slow) }
            // One header byte a second, for up to 30 s; the server must give up at 5 s.
            for _ in 0..<30 where reply == nil {
                await context.sleep(.seconds(1))
                let normal = try await context.exchange("GET /echo/ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                #expect(Self.responses(normal).first?.body == "ok")
                try? await slow.write([UInt8(ascii: "X")])
            }
            let elapsed = context.loop.platform.monotonicNow() - start
            #expect(reply?.hasPrefix("HTTP/1.1 408 ") == true)
            #expect(elapsed < .seconds(8), "cut off after \(elapsed)")
            #expect(context.server.statistics.timeouts == 1)
            await slow.close()
        }
    }

    @Test func idleKeptAliveConnectionsAreClosed() throws {
        var configuration = HTTPServerConfiguration()
        configuration.idleTimeout = .seconds(3)
        try withServer(configuration) { context in
            let connection = try await context.connect()
            try await connection.write(Array(get.utf8))
            _ = try await connection.read(maxLength: 4096)
            let start = context.loop.platform.monotonicNow()
            let rest = try? await connection.read(maxLength: 4096)
            #expect(rest == nil || rest == .some(nil))
            let waited = context.loop.platform.monotonicNow() - start
            #expect(waited >= .seconds(3) && waited < .seconds(5), "closed after \(waited)")
            await connection.close()
        }
    }

    @Test func aConnectionThatSendsNothingIsClosedQuietlyAtTheHeaderDeadline() throws {
        var configuration = HTTPServerConfiguration()
        configuration.headerTimeout = .seconds(2)
        try withServer(configuration) { context in
            let connection = try await context.connect()
            let start = context.loop.platform.monotonicNow()
            let reply = await Context.readToEnd(connection)
            let waited = context.loop.platform.monotonicNow() - start
            #expect(reply.isEmpty, "no 408 for a request that never started")
            #expect(waited >= .seconds(2) && waited < .seconds(4), "closed after \(waited)")
            await connection.close()
        }
    }

    /// The reply a task read, once it has it.
    final class Reply: @unchecked Sendable {
        var text: String?
    }

    @Test func connectionsBeyondTheLimitWaitInTheBacklogAndAreServedWhenOneEnds() throws {
        var configuration = HTTPServerConfiguration()
        configuration.maxConnections = 4
        try withServer(configuration) { context in
            var held: [Stack.Listener.Connection] = []
            for _ in 0..<4 { held.append(try await context.connect()) }
            await context.sleep(.milliseconds(10))
            // The fifth connection completes its handshake in the backlog; its request waits.
            let extra = try await context.connect()
            try await extra.write(Array("GET /echo/waited HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))
            let reply = Reply()
            context.loop.spawn { reply.text = await Context.readToEnd(extra) }
            await context.sleep(.milliseconds(200))
            #expect(reply.text == nil, "not served while the bound is reached")
            #expect(context.server.statistics.connectionsAccepted == 4)
            #expect(context.server.statistics.acceptPauses == 1)
            // One held connection ends: the waiting one is accepted and answered, not reset.
            await held.removeFirst().close()
            for _ in 0..<100 where reply.text == nil { await context.sleep(.milliseconds(10)) }
            #expect(reply.text.map { Self.responses($0).first?.body } == "waited")
            await extra.close()
            for connection in held { await connection.close() }
        }
    }

    @Test func shutdownClosesIdleConnectionsAndLetsRequestsFinish() throws {
        let router = Self.website()
        router.get("/wait") { _ in .text("finished") }
        try withServer(router: router) { context in
            let idle = try await context.connect()
            try await idle.write(Array(get.utf8))
            _ = try await idle.read(maxLength: 4096)
            await context.server.shutdown(gracePeriod: .seconds(2))
            let after = try? await idle.read(maxLength: 4096)
            #expect(after == nil || after == .some(nil), "the idle connection is closed")
            let late = try? await context.connect()
            #expect(late == nil, "no new connections after shutdown")
            await idle.close()
        }
    }
}
