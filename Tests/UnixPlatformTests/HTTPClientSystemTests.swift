import Foundation
import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletHTTP
import SwiftletUnix

/// The HTTP client over host sockets against Python's `http.server` on loopback: a
/// Content-Length body, a chunked one, keep-alive (the server logs each request's client
/// port), a redirect chain and its bound, a body delimited by the connection's end.
@Suite(.serialized) struct HTTPClientSystemTests {
    static let server = """
        import http.server, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def do_GET(self):
                print("request", self.client_address[1], self.path, flush=True)
                if self.path == "/hello":
                    self.send_response(200); self.send_header("Content-Length", "5"); self.end_headers(); self.wfile.write(b"hello")
                elif self.path == "/chunked":
                    self.send_response(200); self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
                    for piece in [b"first ", b"second ", b"x" * 5000]:
                        self.wfile.write(b"%x\\r\\n%s\\r\\n" % (len(piece), piece))
                    self.wfile.write(b"0\\r\\n\\r\\n")
                elif self.path.startswith("/redirect/"):
                    n = int(self.path.split("/")[2])
                    if n == 0:
                        self.send_response(200); self.send_header("Content-Length", "4"); self.end_headers(); self.wfile.write(b"done")
                    else:
                        self.send_response(302); self.send_header("Location", "/redirect/%d" % (n - 1))
                        self.send_header("Content-Length", "0"); self.end_headers()
                elif self.path == "/close":
                    self.send_response(200); self.send_header("Connection", "close"); self.end_headers()
                    self.wfile.write(b"until the end"); self.close_connection = True
                else:
                    self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """

    @Test func fetchesFromPythonsHTTPServer() throws {
        guard Host.find("python3") != nil else {
            print("HTTPClientSystemTests: skipped, python3 is not installed")
            return
        }
        let port = DNSResolverTests.freePort()
        let python = try Host.start(["python3", "-c", Self.server, "\(port)"])
        defer { Host.stop(python) }
        try runOnUnixLoop(seconds: 60) { loop in
            var configuration = HTTPClientConfiguration()
            configuration.maxRedirects = 4
            let client = HTTPClient(stack: SocketStack(loop: loop), resolver: DNSLiteralAddresses(), time: PlatformTime(loop: loop),
                                    configuration: configuration, spawn: { loop.spawn($0) })
            let base = "http://127.0.0.1:\(port)"
            // The server may still be starting.
            var hello: HTTPClientResponse? = nil
            for _ in 0..<100 where hello == nil {
                hello = try? await client.get(base + "/hello")
                if hello == nil { await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(50)) }
            }
            #expect(hello?.text == "hello")
            let chunked = try await client.get(base + "/chunked")
            #expect(chunked.text == "first second " + String(repeating: "x", count: 5000))
            let again = try await client.get(base + "/hello")
            #expect(again.text == "hello")
            #expect(client.connectionsReused >= 2)
            let redirected = try await client.get(base + "/redirect/4")
            #expect(redirected.text == "done" && redirected.redirects == 4)
            await #expect(throws: HTTPClientError.tooManyRedirects(4)) { try await client.get(base + "/redirect/5") }
            let closed = try await client.get(base + "/close")
            #expect(closed.text == "until the end")
            let missing = try await client.get(base + "/missing")
            #expect(missing.status.code == 404)
            await client.closeIdleConnections()
        }
        Host.stop(python)
        let output = String(decoding: (python.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let requests = output.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.first == "request" }
        // /hello, /chunked, /hello on one kept-alive connection: one client port for the three.
        let firstThree = requests.filter { $0.count == 3 && ($0[2] == "/hello" || $0[2] == "/chunked") }.suffix(3)
        #expect(firstThree.count == 3 && Set(firstThree.map { $0[1] }).count == 1, "\(output)")
    }
}
