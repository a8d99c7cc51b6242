import _Concurrency
import SwiftletDevices
import SwiftletHTTP
import SwiftletRuntime
import SwiftletTLS

/// Dream's "DreamOS" example in Swiftlet: a front page, and an echo route that repeats the
/// word in its URL (`curl localhost:8080/echo/hi` prints `hi`). `POST /echo` sends the body
/// back, for upload tests.
///
/// With `--tls=true` it serves HTTPS on `--https-port` with the certificate in its `tls`
/// store (or a self-signed one for `--hostname`), and its HTTP port redirects there; with
/// `--letsencrypt=true` the certificate comes from an ACME CA instead (letsencrypt.swift).
///
/// Generic over the servers, so the same code serves from host sockets and from Swiftlet's own
/// stack, on every target.
struct Website<Stack: NetworkStack, Server: HTTPServing, SecureServer: HTTPServing, Resolver: DNSResolving,
               Store: KeyValueStoreReadOnly, Wall: WallClock, Time: TimeDevice> {
    let stack: Stack
    let http: Server
    let https: SecureServer
    let dns: Resolver
    let certificates: Store
    let wallClock: Wall
    let time: Time
    let log = Logger(source: "website")

    init(stack: Stack, http: Server, https: SecureServer, dns: Resolver, certificates: Store, wallClock: Wall, time: Time) {
        self.stack = stack
        self.http = http
        self.https = https
        self.dns = dns
        self.certificates = certificates
        self.wallClock = wallClock
        self.time = time
    }

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
        let port = UInt16(truncatingIfNeeded: Keys.port)
        if Keys.letsencrypt {
            try await serveWithLetsEncrypt(router: router, port: port)
            return
        }
        guard Keys.tls else {
            try await http.serve(port: port, handler: router.handler)
            return
        }

        TLSDefaults.server = try await serverConfiguration()
        let securePort = UInt16(truncatingIfNeeded: Keys.httpsPort)
        let origin = "https://" + Keys.hostname + (securePort == 443 ? "" : ":\(securePort)")
        let http = self.http
        Task {
            do throws(NetError) {
                try await http.serve(port: port) { request throws(HTTPError) in .redirect(to: origin + request.target) }
            } catch {
                Logger(source: "website").error("HTTP on port \(port): \(error)")
            }
        }
        try await https.serve(port: securePort, handler: router.handler)
    }

    /// The certificate and key of the store, or a self-signed certificate for --hostname.
    private func serverConfiguration() async throws(NetError) -> TLSServerConfiguration {
        guard let random = TLSDefaults.random else {
            throw .invalidArgument("--tls=true needs an entropy source, and this target has no random device yet")
        }
        let certificate = try? await certificates.get(KVKey("certificate.pem"))
        let key = try? await certificates.get(KVKey("key.pem"))
        if let certificate, let key {
            do throws(TLSError) {
                let configuration = try TLSServerConfiguration(certificateChainPEM: String(decoding: certificate, as: UTF8.self),
                                                               privateKeyPEM: String(decoding: key, as: UTF8.self), random: random)
                log.info("serving the certificate of tls/certificate.pem")
                return configuration
            } catch {
                throw .invalidArgument("tls/certificate.pem and tls/key.pem: \(error)")
            }
        }
        log.warning("no tls/certificate.pem and tls/key.pem: serving a self-signed certificate for \(Keys.hostname)")
        return TLSServerConfiguration.selfSigned(hostname: Keys.hostname, now: wallClock.now(), random: random)
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
