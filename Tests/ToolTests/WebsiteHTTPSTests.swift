import Foundation
import Testing

/// The website example with `--tls=true` on the unix target (host sockets): HTTPS with a
/// self-signed certificate made at start and with the certificate of its `tls` store, HTTP
/// redirecting to it, openssl (X25519 and P-256 through HelloRetryRequest) and curl as clients,
/// and testssl finding nothing but TLS 1.3.
@Suite(.serialized) struct WebsiteHTTPSTests {
    /// Runs the built website with `arguments` while `body` runs; returns its log.
    static func running(_ image: String, _ arguments: [String], in folder: URL, _ body: (_ log: () -> String) throws -> Void) throws {
        let log = folder.appendingPathComponent("website-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let website = Process()
        website.executableURL = URL(fileURLWithPath: image)
        website.arguments = arguments
        let output = try FileHandle(forWritingTo: log)
        website.standardOutput = output
        website.standardError = output
        try website.run()
        defer {
            if website.isRunning {
                website.terminate()
                let grace = Date().addingTimeInterval(2)
                while website.isRunning && Date() < grace { usleep(10_000) }
                if website.isRunning { kill(website.processIdentifier, SIGKILL) }
            }
            website.waitUntilExit()
            try? output.close()
        }
        try body { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    static func curl(_ arguments: [String]) throws -> Support.Result {
        try Support.run("/usr/bin/env", ["curl", "-sS", "--noproxy", "*", "--max-time", "10"] + arguments, timeout: 20)
    }

    @Test func websiteServesHTTPSAndRedirects() throws {
        for tool in ["curl", "openssl"] where !NetworkSystemTests.installed(tool) {
            print("website HTTPS test: skipped, \(tool) is not installed")
            return
        }
        let folder = try Support.copy("Examples/website")
        defer { Support.remove(folder) }
        // The direct store reads the tls folder at run time: one build serves both cases.
        let configure = try Support.swiftlet(["configure", "-t", "unix", "--kv_ro", "direct"], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let build = try Support.swiftlet(["build"], in: folder, timeout: 900)
        try #require(build.status == 0, "\(build.stderr)")
        let image = folder.appendingPathComponent("dist/website").path

        // 1. No certificate in the store: a self-signed one for --hostname, logged as such.
        let empty = folder.appendingPathComponent("empty-tls")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let port = try WebsiteSystemTests.freePort()
        let securePort = try WebsiteSystemTests.freePort()
        try Self.running(image, ["--tls=true", "--port=\(port)", "--https-port=\(securePort)", "--hostname=localhost",
                                 "--kv_ro-path:certificates=\(empty.path)"], in: folder) { log in
            var page = try Self.curl(["-k", "https://127.0.0.1:\(securePort)/echo/hi"])
            for _ in 0..<50 where page.stdout != "hi" {
                usleep(200_000)
                page = try Self.curl(["-k", "https://127.0.0.1:\(securePort)/echo/hi"])
            }
            #expect(page.stdout == "hi", "\(page.stderr)\n\(log())")
            #expect(log().contains("self-signed certificate for localhost"), "\(log())")
            let redirect = try Self.curl(["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "http://127.0.0.1:\(port)/echo/hi?x=1"])
            #expect(redirect.stdout == "301 https://localhost:\(securePort)/echo/hi?x=1", "\(redirect.stdout)")
        }

        // 2. The store's certificate and key (made by openssl), checked by the clients.
        let tls = folder.appendingPathComponent("store-tls")
        try FileManager.default.createDirectory(at: tls, withIntermediateDirectories: true)
        let key = tls.appendingPathComponent("key.pem").path
        let certificate = tls.appendingPathComponent("certificate.pem").path
        #expect(try Support.run("/usr/bin/env", ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]).status == 0)
        #expect(try Support.run("/usr/bin/env", ["openssl", "req", "-x509", "-new", "-key", key, "-subj", "/CN=localhost",
                                                 "-addext", "subjectAltName=DNS:localhost", "-days", "2", "-out", certificate]).status == 0)
        try Self.running(image, ["--tls=true", "--port=\(port)", "--https-port=\(securePort)",
                                 "--kv_ro-path:certificates=\(tls.path)"], in: folder) { log in
            let resolve = ["--resolve", "localhost:\(securePort):127.0.0.1", "--cacert", certificate, "--tlsv1.3"]
            var page = try Self.curl(resolve + ["https://localhost:\(securePort)/echo/store"])
            for _ in 0..<50 where page.stdout != "store" {
                usleep(200_000)
                page = try Self.curl(resolve + ["https://localhost:\(securePort)/echo/store"])
            }
            #expect(page.stdout == "store", "\(page.stderr)\n\(log())")
            #expect(log().contains("serving the certificate of tls/certificate.pem"), "\(log())")
            for group in ["x25519", "P-256"] {
                let openssl = try Support.run("/bin/sh", ["-c", "printf 'GET /echo/\(group) HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' | "
                    + "openssl s_client -connect 127.0.0.1:\(securePort) -servername localhost -tls1_3 -groups \(group) "
                    + "-CAfile \(certificate) -verify_return_error -ign_eof 2>&1"], timeout: 20)
                #expect(openssl.stdout.contains("\r\n\r\n\(group)"), "\(openssl.stdout)")
            }
            try Self.testssl(port: securePort)
        }
    }

    /// testssl's protocol scan finds TLS 1.3 and nothing else. Skipped with a message if
    /// testssl is missing or takes over 60 s (it is slow on a loaded machine).
    static func testssl(port: UInt16) throws {
        guard let testssl = ["/usr/bin/testssl", "/usr/bin/testssl.sh"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("testssl: skipped, not installed (apt-get install testssl.sh)")
            return
        }
        let started = Date()
        let result = try Support.run(testssl, ["--protocols", "--quiet", "--color", "0", "--warnings", "off", "127.0.0.1:\(port)"], timeout: 60)
        let seconds = Date().timeIntervalSince(started)
        guard seconds < 59 else {
            print("testssl: skipped, it took over 60 s")
            return
        }
        let lines = result.stdout.split(separator: "\n").map { String($0) }
        func line(_ name: String) -> String { lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name) } ?? "" }
        print("testssl --protocols (\(String(format: "%.0f", seconds)) s):\n" + lines.filter { $0.contains("SSL") || $0.contains("TLS") }.joined(separator: "\n"))
        #expect(line("TLS 1.3").contains("offered") && !line("TLS 1.3").contains("not offered"), "\(result.stdout)")
        for old in ["SSLv2", "SSLv3", "TLS 1 ", "TLS 1.1", "TLS 1.2"] {
            let text = line(old)
            #expect(text.isEmpty || text.contains("not offered"), "\(old): \(text)")
        }
    }

    /// spt with Swiftlet's own stack on a tap in a namespace: Tests/Network/system-test's
    /// `https` scenario (self-signed certificate for 10.0.0.2, curl, openssl x25519 and P-256,
    /// the redirect).
    @Test func websiteServesHTTPSOnSpt() throws {
        if let reason = NetworkSystemTests.skipReason ?? WebsiteSystemTests.clientSkipReason {
            print("website HTTPS test on spt: skipped, \(reason)")
            return
        }
        let folder = try Support.copy("Examples/website")
        defer { Support.remove(folder) }
        let image = try WebsiteSystemTests.build(target: "spt", net: "direct", folder: folder)
        let script = Support.root.appendingPathComponent("Tests/Network/system-test").path
        let result = try Support.run("/usr/bin/env", [script, "https", "--target", "spt", "--image", image, "--tender", Support.swiftletSPT],
                                     timeout: 180)
        print(result.stdout)
        #expect(result.status == 0, "https on spt failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS: https (spt)"))
    }
}
