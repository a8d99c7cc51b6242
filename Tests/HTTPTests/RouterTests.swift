import Testing
import SwiftletDevices
@testable import SwiftletHTTP

@Suite struct RouterTests {
    func body(_ response: HTTPResponse) -> String {
        guard case .bytes(let bytes) = response.body else { return "<stream>" }
        return String(decoding: bytes, as: UTF8.self)
    }

    func router() -> Router {
        let router = Router()
        router.get("/") { _ in .text("front") }
        router.get("/echo/:word") { request in .html(HTML.escape(request.parameter("word") ?? "")) }
        router.post("/echo") { request in .bytes(request.body, contentType: "application/octet-stream") }
        router.get("/files/*path") { request in .text("file " + (request.parameter("path") ?? "")) }
        router.get("/fail") { _ throws(HTTPError) in throw HTTPError(.internalServerError, "boom") }
        return router
    }

    @Test func routesByMethodAndPathWithDecodedParameters() async throws {
        let router = router()
        #expect(body(try await router.route(HTTPRequest(method: .get, target: "/"))) == "front")
        #expect(body(try await router.route(HTTPRequest(method: .get, target: "/echo/hi?x=y"))) == "hi")
        #expect(body(try await router.route(HTTPRequest(method: .get, target: "/echo/%3Cb%3E%20x"))) == "&lt;b&gt; x")
        #expect(body(try await router.route(HTTPRequest(method: .post, target: "/echo", body: [1, 2]))) == "\u{1}\u{2}")
        #expect(body(try await router.route(HTTPRequest(method: .get, target: "/files/a/b/c.txt"))) == "file a/b/c.txt")
        #expect(body(try await router.route(HTTPRequest(method: .head, target: "/"))) == "front")
    }

    @Test func unknownPathsAre404AndWrongMethods405WithAllow() async throws {
        let router = router()
        let missing = try await router.route(HTTPRequest(method: .get, target: "/nothing"))
        #expect(missing.status == .notFound)
        #expect(body(missing).contains("404"))
        let tooMany = try await router.route(HTTPRequest(method: .get, target: "/echo/a/b"))
        #expect(tooMany.status == .notFound)
        let wrong = try await router.route(HTTPRequest(method: .delete, target: "/echo/hi"))
        #expect(wrong.status == .methodNotAllowed)
        #expect(wrong.headers["Allow"] == "GET, HEAD")
        await #expect(throws: HTTPError.self) { try await router.route(HTTPRequest(method: .get, target: "/echo/%zz")) }
    }

    @Test func middlewareWrapsInOrderAndErrorPagesCatchThrows() async throws {
        let router = router()
        var seen: [String] = []
        router.use { request, next throws(HTTPError) in
            seen.append("outer")
            var response = try await next(request)
            response.headers.add("X-Outer", "1")
            return response
        }
        router.use(Middleware.errorPages())
        router.use(Middleware.entityTags())
        let failed = try await router.handler(HTTPRequest(method: .get, target: "/fail"))
        #expect(failed.status == .internalServerError)
        #expect(body(failed).contains("boom"))
        #expect(failed.headers["X-Outer"] == "1")
        let front = try await router.handler(HTTPRequest(method: .get, target: "/"))
        let tag = try #require(front.headers["ETag"])
        #expect(tag.hasPrefix("\"") && tag.hasSuffix("\""))
        #expect(seen == ["outer", "outer"])
        #expect(ETag.matches("W/" + tag + ", \"other\"", tag))
        #expect(!ETag.matches("\"other\"", tag))
    }

    @Test func htmlEscapingAndMIMETypes() {
        #expect(HTML.escape("<a href=\"x\">Tom & Jerry's</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(HTML.escape("plain") == "plain")
        #expect(MIMEType.forFileName("index.HTML") == "text/html; charset=utf-8")
        #expect(MIMEType.forFileName("logo.png") == "image/png")
        #expect(MIMEType.forFileName("README") == MIMEType.fallback)
        #expect(MIMEType.forFileName("archive.") == MIMEType.fallback)
    }

    @Test func queryItemsAndPathSegmentsDecode() {
        let request = HTTPRequest(method: .get, target: "/a%20b//c/?q=x+y&empty&z=%41")
        #expect(request.pathSegments == ["a b", "c"])
        #expect(request.queryItem("q") == "x y")
        #expect(request.queryItem("empty") == "")
        #expect(request.queryItem("z") == "A")
        #expect(request.queryItem("none") == nil)
        #expect(HTTPRequest(method: .get, target: "/a%2Fb").pathSegments == nil)
        #expect(HTTPRequest(method: .get, target: "/a%00b").pathSegments == nil)
    }
}
