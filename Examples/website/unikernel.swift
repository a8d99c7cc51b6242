import SwiftletDevices
import SwiftletHTTP
import SwiftletRuntime

/// Dream's "DreamOS" example in Swiftlet: a front page, and an echo route that repeats the
/// word in its URL (`curl localhost:8080/echo/hi` prints `hi`). `POST /echo` sends the body
/// back, for upload tests.
///
/// Generic over the server, so the same code serves from host sockets and from Swiftlet's own
/// stack, on every target.
struct Website<Server: HTTPServing> {
    let http: Server

    func start() async throws(NetError) {
        let router = Router()
        router.get("/") { _ throws(HTTPError) in .bytes(frontPage, contentType: "text/html; charset=utf-8") }
        router.get("/echo/:word") { request throws(HTTPError) in
            .html(HTML.escape(request.parameter("word") ?? ""))
        }
        router.post("/echo") { request throws(HTTPError) in
            .bytes(request.body, contentType: "application/octet-stream")
        }
        // Outermost first: every request is logged, with the status the error pages gave it;
        // pages held in memory get an ETag, so a browser's revalidation gets 304 Not Modified.
        router.use(Middleware.logging())
        router.use(Middleware.errorPages())
        router.use(Middleware.entityTags())
        try await http.serve(port: UInt16(truncatingIfNeeded: Keys.port), handler: router.handler)
    }
}

/// The front page: short, valid HTML5, as bytes made once (so its ETag is computed once too).
let frontPage = Array("""
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Swiftlet</title>
    </head>
    <body>
    <h1>Welcome to Swiftlet</h1>
    <p>This page is served by a Swiftlet unikernel: an HTTP server written in Swift, running
    on its own as a Linux program or on a hypervisor with nothing else around it.</p>
    <p>Try the echo route: <a href="/echo/hello">/echo/hello</a>.</p>
    </body>
    </html>

    """.utf8)
