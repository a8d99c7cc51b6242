import Foundation
import Testing
import SwiftletCrypto
import SwiftletDevices
import SwiftletHTTP
import SwiftletRuntime
import SwiftletTLS
import SwiftletUnix
import SwiftletX509

/// A P-256 certificate for `localhost` and its key, made by openssl for the peer tests.
struct TestCertificate {
    let directory: URL
    let certificatePath: String
    let keyPath: String
    let certificateDER: [UInt8]
    let privateKey: P256.Signing.PrivateKey

    /// Makes a key and a self-signed certificate valid for `localhost` and 127.0.0.1.
    static func make(days: Int = 2, name: String = "localhost", rsa: Bool = false) throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = directory.appendingPathComponent("key.pem").path
        let certificate = directory.appendingPathComponent("cert.pem").path
        let keyResult = rsa ? try Host.run(["openssl", "genrsa", "-out", key, "2048"])
            : try Host.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
        guard keyResult.status == 0 else { throw PeerTestError("openssl ecparam: \(keyResult.output)") }
        let certificateResult = try Host.run(["openssl", "req", "-x509", "-new", "-key", key, "-subj", "/CN=\(name)",
                                              "-addext", "subjectAltName=DNS:\(name),IP:127.0.0.1",
                                              "-days", "\(days)", "-out", certificate])
        guard certificateResult.status == 0 else { throw PeerTestError("openssl req: \(certificateResult.output)") }
        let document = try ECPrivateKeyDocument(pemEncoded: rsa ? TestCertificate.unusedKeyPEM : try String(contentsOfFile: key, encoding: .utf8))
        return TestCertificate(directory: directory, certificatePath: certificate, keyPath: key, certificateDER: try pemBody(certificate),
                               privateKey: try P256.Signing.PrivateKey(rawRepresentation: document.scalar))
    }

    static func pemBody(_ path: String) throws -> [UInt8] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let base64 = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: base64) else { throw PeerTestError("bad PEM in \(path)") }
        return [UInt8](data)
    }

    /// A P-256 key for RSA certificates' unused `privateKey` (the server side of those tests is openssl).
    static let unusedKeyPEM = ECPrivateKeyDocument(scalar: [UInt8](repeating: 3, count: 32), publicKey: nil).sec1PEM

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// A root CA and a leaf for `localhost` it signed (the leaf's key P-256, or RSA 2048), made by openssl.
    static func makeIssued(rsa: Bool = false, rsaRoot: Bool = false) throws -> (root: TestCertificate, leaf: TestCertificate) {
        let root = try make(days: 30, name: "Swiftlet Test Root", rsa: rsaRoot)
        let directory = root.directory
        // A CA certificate proper: basicConstraints cA, keyCertSign.
        let caPath = directory.appendingPathComponent("ca.pem").path
        let ca = try Host.run(["openssl", "req", "-x509", "-new", "-key", root.keyPath, "-subj", "/CN=Swiftlet Test Root", "-days", "30",
                               "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                               "-out", caPath])
        guard ca.status == 0 else { throw PeerTestError("openssl req (CA): \(ca.output)") }
        let leafKey = directory.appendingPathComponent("leaf-key.pem").path
        let keyResult = rsa ? try Host.run(["openssl", "genrsa", "-out", leafKey, "2048"])
            : try Host.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", leafKey])
        guard keyResult.status == 0 else { throw PeerTestError("leaf key: \(keyResult.output)") }
        let request = directory.appendingPathComponent("leaf.csr").path
        let csr = try Host.run(["openssl", "req", "-new", "-key", leafKey, "-subj", "/CN=localhost", "-out", request])
        guard csr.status == 0 else { throw PeerTestError("openssl req (CSR): \(csr.output)") }
        let extensions = directory.appendingPathComponent("leaf.ext").path
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        let leafPath = directory.appendingPathComponent("leaf.pem").path
        let signed = try Host.run(["openssl", "x509", "-req", "-in", request, "-CA", caPath, "-CAkey", root.keyPath, "-CAcreateserial",
                                   "-days", "2", "-extfile", extensions, "-out", leafPath])
        guard signed.status == 0 else { throw PeerTestError("openssl x509 -req: \(signed.output)") }
        let rootCertificate = TestCertificate(directory: directory, certificatePath: caPath, keyPath: root.keyPath,
                                              certificateDER: try pemBody(caPath), privateKey: root.privateKey)
        let leaf = TestCertificate(directory: directory, certificatePath: leafPath, keyPath: leafKey,
                                   certificateDER: try pemBody(leafPath), privateKey: root.privateKey)
        return (rootCertificate, leaf)
    }
}

struct PeerTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Real randomness for the tests' servers.
let systemTLSRandom = TLSRandom { bytes in
    var generator = SystemRandomNumberGenerator()
    for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
}

/// Serves `/echo/<text>` over HTTPS (Swiftlet's HTTPServer over TLSStack over the host's
/// sockets) on a free loopback port while `body` runs.
func withHTTPSServer(_ certificate: TestCertificate, seconds: Int = 60,
                     _ body: @escaping (_ port: UInt16, _ loop: SwiftletRuntime.RunLoop<UnixPlatform>) async throws -> Void) throws {
    try withHTTPSServer(TLSServerConfiguration(certificateChain: [certificate.certificateDER],
                                               privateKey: certificate.privateKey, random: systemTLSRandom),
                        seconds: seconds, body)
}

func withHTTPSServer(_ configuration: TLSServerConfiguration, seconds: Int = 60,
                     _ body: @escaping (_ port: UInt16, _ loop: SwiftletRuntime.RunLoop<UnixPlatform>) async throws -> Void) throws {
    try withHTTPSServer(identity: TLSServerIdentity(configuration), seconds: seconds, body)
}

func withHTTPSServer(identity: TLSServerIdentity, seconds: Int = 60,
                     _ body: @escaping (_ port: UInt16, _ loop: SwiftletRuntime.RunLoop<UnixPlatform>) async throws -> Void) throws {
    try runOnUnixLoop(seconds: seconds) { loop in
        let sockets = SocketStack(loop: loop, address: .loopback)
        let probe = try await sockets.listen(port: 0, backlog: 1)
        let port = probe.localEndpoint.port
        await probe.close()
        let server = HTTPServer(stack: TLSStack(base: sockets, serverIdentity: identity), time: PlatformTime(loop: loop),
                                clock: PlatformLoopClock(platform: loop.platform), wallClock: PlatformWallClock(platform: loop.platform),
                                spawn: { job in Task(executorPreference: loop) { await job() } })
        let serving = Task(executorPreference: loop) {
            try? await server.serve(port: port) { request throws(HTTPError) in
                if request.path.hasPrefix("/echo/") { return .text(String(request.path.dropFirst(6))) }
                return .errorPage(.notFound)
            }
        }
        await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(50))
        do {
            try await body(port, loop)
        } catch {
            await server.shutdown(gracePeriod: .milliseconds(100))
            await serving.value
            throw error
        }
        await server.shutdown(gracePeriod: .milliseconds(100))
        await serving.value
    }
}

/// Runs a peer tool on the loop (without blocking it) and returns its status and output.
func runPeer(_ arguments: [String], input: String = "", on loop: SwiftletRuntime.RunLoop<UnixPlatform>, seconds: Int = 15) async throws -> (status: Int32, output: String) {
    let process = try Host.start(arguments, input: Data(input.utf8))
    defer { Host.stop(process) }
    let finished = await Host.waitForExit(process, on: loop, seconds: seconds)
    Host.stop(process)
    let output = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
    let errors = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
    return (finished ? process.terminationStatus : -1, String(decoding: output + errors, as: UTF8.self))
}

/// Swiftlet's TLS server against openssl, curl and gnutls-cli, and raw records that must get
/// the right alert.
@Suite(.serialized) struct TLSPeerTests {
    static let request = "GET /echo/hi HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

    @Test(arguments: [
        ("x25519", "TLS_AES_128_GCM_SHA256"),
        ("x25519", "TLS_AES_256_GCM_SHA384"),
        ("x25519", "TLS_CHACHA20_POLY1305_SHA256"),
        ("P-256", "TLS_AES_128_GCM_SHA256"),   // a HelloRetryRequest: openssl sends only the share asked for
    ])
    func opensslClientGetsTheEchoPage(group: String, suite: String) throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        try withHTTPSServer(certificate) { port, loop in
            let result = try await runPeer(["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost",
                                            "-tls1_3", "-groups", group, "-ciphersuites", suite, "-CAfile", certificate.certificatePath,
                                            "-verify_return_error", "-ign_eof"], input: Self.request, on: loop)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("HTTP/1.1 200"), "\(result.output)")
            #expect(result.output.hasSuffix("hi") || result.output.contains("\r\n\r\nhi"), "\(result.output)")
            #expect(result.output.contains(suite), "\(result.output)")
        }
    }

    @Test func curlAndGnuTLSGetTheEchoPage() throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        try withHTTPSServer(certificate) { port, loop in
            let curl = try await runPeer(["curl", "-sS", "--tlsv1.3", "--cacert", certificate.certificatePath,
                                          "--resolve", "localhost:\(port):127.0.0.1", "https://localhost:\(port)/echo/hi"], on: loop)
            #expect(curl.status == 0 && curl.output == "hi", "\(curl.output)")
            // Two requests on one kept-alive connection.
            let twice = try await runPeer(["curl", "-sS", "--tlsv1.3", "--cacert", certificate.certificatePath,
                                           "--resolve", "localhost:\(port):127.0.0.1",
                                           "https://localhost:\(port)/echo/one", "https://localhost:\(port)/echo/two"], on: loop)
            #expect(twice.output == "onetwo", "\(twice.output)")
            if Host.find("gnutls-cli") != nil {
                // gnutls-cli drops what arrives after its input ends: keep the input open a while.
                let gnutls = try await runPeer(["sh", "-c", "(printf 'GET /echo/hi HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n'; sleep 1) | "
                                                + "gnutls-cli --priority NORMAL:-VERS-ALL:+VERS-TLS1.3 --x509cafile "
                                                + certificate.certificatePath + " -p \(port) localhost"], on: loop)
                #expect(gnutls.output.contains("HTTP/1.1 200") && gnutls.output.contains("\r\n\r\nhi"), "\(gnutls.output)")
            } else {
                print("TLSPeerTests: skipped gnutls-cli: not installed (apt-get install gnutls-bin)")
            }
        }
    }

    /// Raw records a broken or hostile client might send: each gets its alert (read from the
    /// socket as the record the server sends) and a closed connection, and the server goes on
    /// serving.
    @Test func malformedInputGetsTheRightAlertAndTheServerGoesOn() throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        try withHTTPSServer(certificate) { port, loop in
            let sockets = SocketStack(loop: loop, address: .loopback)
            let endpoint = IPv4Endpoint(address: .loopback, port: port)

            /// Sends `bytes` and returns everything the server sends until it closes.
            func exchange(_ bytes: [UInt8]) async throws -> [UInt8] {
                let connection = try await sockets.connect(to: endpoint)
                try await connection.write(bytes)
                try await connection.closeWrite()
                var received: [UInt8] = []
                while received.count < 100_000, let chunk = try await connection.read(maxLength: 4096) { received += chunk }
                await connection.close()
                return received
            }
            func plaintextAlert(_ description: AlertDescription) -> [UInt8] { [21, 3, 3, 0, 2, 2, description.rawValue] }

            let hello = Self.clientHello()
            // A ClientHello whose cipher suite list runs past its end.
            var malformed = hello
            malformed[4 + 2 + 32 + 1 + 32] = 0xFF
            #expect(try await exchange(TLSRecord(contentType: .handshake, fragment: malformed).encoded) == plaintextAlert(.decodeError))
            // A truncated ClientHello: the message says it is longer than the record and the
            // connection ends there: nothing to answer but the close.
            #expect(try await exchange(TLSRecord(contentType: .handshake, fragment: Array(hello.prefix(60))).encoded).isEmpty)
            // A TLS 1.2 client: no supported_versions.
            var old = try ClientHello.parse(Array(hello[4...]))
            old.extensions.all.removeAll { $0.type == .supportedVersions }
            #expect(try await exchange(TLSRecord(contentType: .handshake, fragment: HandshakeMessage.frame(.clientHello, old.encoded)).encoded)
                    == plaintextAlert(.protocolVersion))
            // A record over 2^14 + 256 bytes.
            #expect(try await exchange(TLSRecord.header(.handshake, length: 18_000) + [UInt8](repeating: 0, count: 100))
                    == plaintextAlert(.recordOverflow))
            // Not TLS at all.
            #expect(try await exchange(Array("GET / HTTP/1.1\r\n\r\n".utf8)) == plaintextAlert(.unexpectedMessage))
            // Application data before the handshake.
            #expect(try await exchange(TLSRecord(contentType: .applicationData, fragment: [1, 2, 3]).encoded) == plaintextAlert(.unexpectedMessage))

            // A bad MAC after a real handshake, with Swiftlet's own client engine over a raw socket.
            let connection = try await sockets.connect(to: endpoint)
            var client = try TLSClientConnection(configuration: TLSClientConfiguration(
                serverName: "localhost", verifier: { _, _ in .success(.p256(certificate.privateKey.publicKey)) }, random: systemTLSRandom))
            try await connection.write(client.takeOutput())
            while !client.isHandshakeComplete, let bytes = try await connection.read(maxLength: 20_000) {
                _ = try client.receive(bytes)
                let output = client.takeOutput()
                if !output.isEmpty { try await connection.write(output) }
            }
            #expect(client.isHandshakeComplete)
            try client.send(Array(Self.request.utf8))
            var record = client.takeOutput()
            record[record.count - 3] ^= 0x40
            try await connection.write(record)
            var answer: [UInt8] = []
            while let chunk = try await connection.read(maxLength: 4096) { answer += chunk }
            await connection.close()
            #expect(throws: TLSError.alertReceived(.badRecordMAC)) { _ = try client.receive(answer) }

            // And the server still serves.
            let curl = try await runPeer(["curl", "-sS", "--tlsv1.3", "--cacert", certificate.certificatePath,
                                          "--resolve", "localhost:\(port):127.0.0.1", "https://localhost:\(port)/echo/still"], on: loop)
            #expect(curl.output == "still", "\(curl.output)")
        }
    }

    /// A ClientHello as a TLS 1.3 client sends it (handshake header included).
    static func clientHello() -> [UInt8] {
        var client = try! TLSClientConnection(configuration: TLSClientConfiguration(
            serverName: "localhost", verifier: { _, _ in .failure(.unknownCA) }, random: systemTLSRandom))
        return Array(client.takeOutput()[5...])
    }
}

/// Swiftlet's TLS client against `openssl s_server -www`, and Swiftlet's self-signed
/// certificates against openssl and curl.
@Suite(.serialized) struct TLSClientPeerTests {
    static func now() -> WallClockTime { WallClockTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) }

    /// Runs `openssl s_server -tls1_3 -www` with `certificate` on a free port while `body` runs.
    static func withOpenSSLServer(_ certificate: TestCertificate, extra: [String] = [],
                                  _ body: @escaping (_ port: UInt16, _ stack: SocketStack) async throws -> Void) throws {
        try runOnUnixLoop(seconds: 60) { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            let probe = try await stack.listen(port: 0, backlog: 1)
            let port = probe.localEndpoint.port
            await probe.close()
            let server = try Host.start(["openssl", "s_server", "-tls1_3", "-www", "-accept", "127.0.0.1:\(port)",
                                         "-cert", certificate.certificatePath, "-key", certificate.keyPath] + extra)
            defer { Host.stop(server) }
            // Wait until it listens (bounded).
            for _ in 0..<200 {
                if let probe = try? await stack.connect(to: IPv4Endpoint(address: .loopback, port: port)) {
                    await probe.close()
                    break
                }
                await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(20))
            }
            try await body(port, stack)
        }
    }

    /// Fetches `/` with Swiftlet's client; returns the page or the TLS error.
    static func fetch(port: UInt16, stack: SocketStack, configuration: TLSClientConfiguration) async throws -> Result<String, TLSError> {
        let connection = try await stack.connect(to: IPv4Endpoint(address: .loopback, port: port))
        let stream = try TLSStream(connectingOver: connection, configuration: configuration)
        do {
            try await stream.handshake()
        } catch {
            await stream.close()
            return .failure(stream.tlsError ?? .closed)
        }
        try await stream.write(Array("GET / HTTP/1.0\r\n\r\n".utf8))
        var page: [UInt8] = []
        while page.count < 1_000_000, let bytes = try await stream.read(maxLength: 16_384) { page += bytes }
        await stream.close()
        return .success(String(decoding: page, as: UTF8.self))
    }

    static func configuration(_ certificate: TestCertificate, name: String = "localhost", now: @escaping () -> WallClockTime = now) -> TLSClientConfiguration {
        TLSClientConfiguration(serverName: name, verifier: TLSClientConfiguration.pinning([certificate.certificateDER], now: now),
                               random: systemTLSRandom)
    }

    @Test(arguments: [false, true])
    func fetchesFromOpenSSL(rsa: Bool) throws {
        let certificate = try TestCertificate.make(rsa: rsa)
        defer { certificate.remove() }
        try Self.withOpenSSLServer(certificate) { port, stack in
            let page = try await Self.fetch(port: port, stack: stack, configuration: Self.configuration(certificate))
            guard case .success(let text) = page else { Issue.record("fetch failed: \(page)"); return }
            #expect(text.hasPrefix("HTTP/1.0 200"), "\(text.prefix(200))")
            #expect(text.contains("TLSv1.3"), "\(text.prefix(400))")
        }
    }

    @Test func fetchesFromAP256OnlyServerThroughHelloRetryRequest() throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        try Self.withOpenSSLServer(certificate, extra: ["-groups", "P-256"]) { port, stack in
            let page = try await Self.fetch(port: port, stack: stack, configuration: Self.configuration(certificate))
            guard case .success(let text) = page else { Issue.record("fetch failed: \(page)"); return }
            #expect(text.hasPrefix("HTTP/1.0 200"))
        }
    }

    static func chainConfiguration(_ root: TestCertificate, name: String = "localhost", now: @escaping () -> WallClockTime = now) throws -> TLSClientConfiguration {
        TLSClientConfiguration(serverName: name, trustAnchors: [try Certificate(derEncoded: root.certificateDER)], now: now, random: systemTLSRandom)
    }

    /// P-256 leaf under a P-256 root; RSA leaf (RSA-PSS CertificateVerify) under a P-256 root;
    /// P-256 leaf under an RSA root (an RSA PKCS#1 signature in the chain).
    @Test(arguments: [(false, false), (true, false), (false, true)])
    func verifiesACAIssuedChainFromOpenSSL(rsa: Bool, rsaRoot: Bool) throws {
        let (root, leaf) = try TestCertificate.makeIssued(rsa: rsa, rsaRoot: rsaRoot)
        defer { root.remove() }
        try Self.withOpenSSLServer(leaf) { port, stack in
            let page = try await Self.fetch(port: port, stack: stack, configuration: try Self.chainConfiguration(root))
            guard case .success(let text) = page else { Issue.record("fetch failed: \(page)"); return }
            #expect(text.hasPrefix("HTTP/1.0 200"), "\(text.prefix(200))")
            let wrongName = try await Self.fetch(port: port, stack: stack, configuration: try Self.chainConfiguration(root, name: "example.org"))
            #expect(wrongName == .failure(.certificateUnknown("not valid for example.org")))
            let later = { WallClockTime(secondsSinceEpoch: Self.now().secondsSinceEpoch + 10 * 86_400) }
            let expired = try await Self.fetch(port: port, stack: stack, configuration: try Self.chainConfiguration(root, now: later))
            #expect(expired == .failure(.certificateExpired))
            let (otherRoot, _) = try TestCertificate.makeIssued()
            defer { otherRoot.remove() }
            let unknown = try await Self.fetch(port: port, stack: stack, configuration: try Self.chainConfiguration(otherRoot))
            #expect(unknown == .failure(.unknownCA))
        }
    }

    @Test func fetchesFromNginx() throws {
        guard let nginx = Host.find("nginx") else {
            print("TLSClientPeerTests: skipped nginx: not installed (apt-get install nginx)")
            return
        }
        let (root, leaf) = try TestCertificate.makeIssued()
        defer { root.remove() }
        try runOnUnixLoop(seconds: 60) { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            let probe = try await stack.listen(port: 0, backlog: 1)
            let port = probe.localEndpoint.port
            await probe.close()
            let directory = root.directory.path
            let configuration = """
                worker_processes 1; daemon off; pid \(directory)/nginx.pid; error_log \(directory)/nginx-error.log;
                events { worker_connections 64; }
                http { access_log off; client_body_temp_path \(directory); proxy_temp_path \(directory);
                  fastcgi_temp_path \(directory); uwsgi_temp_path \(directory); scgi_temp_path \(directory);
                  server { listen 127.0.0.1:\(port) ssl; ssl_protocols TLSv1.3;
                    ssl_certificate \(leaf.certificatePath); ssl_certificate_key \(leaf.keyPath);
                    location / { return 200 "hello from nginx"; } } }
                """
            try configuration.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
            let server = try Host.start([nginx, "-c", directory + "/nginx.conf", "-p", directory])
            defer { Host.stop(server) }
            var page: Result<String, TLSError> = .failure(.closed)
            for _ in 0..<100 {
                if let result = try? await Self.fetch(port: port, stack: stack, configuration: try Self.chainConfiguration(root)) {
                    page = result
                    break
                }
                await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(50))
            }
            guard case .success(let text) = page else { Issue.record("fetch from nginx failed: \(page)"); return }
            #expect(text.contains("200 OK") && text.hasSuffix("hello from nginx"), "\(text)")
        }
    }

    @Test func refusesAWrongNameAnExpiredCertificateAndAnUnknownOne() throws {
        let certificate = try TestCertificate.make(days: 2)
        let other = try TestCertificate.make()
        defer { certificate.remove(); other.remove() }
        try Self.withOpenSSLServer(certificate) { port, stack in
            let wrongName = try await Self.fetch(port: port, stack: stack, configuration: Self.configuration(certificate, name: "example.org"))
            #expect(wrongName == .failure(.certificateUnknown("not valid for example.org")))
            let later = { WallClockTime(secondsSinceEpoch: Self.now().secondsSinceEpoch + 10 * 86_400) }
            let expired = try await Self.fetch(port: port, stack: stack, configuration: Self.configuration(certificate, now: later))
            #expect(expired == .failure(.certificateExpired))
            let unknown = try await Self.fetch(port: port, stack: stack, configuration: Self.configuration(other))
            #expect(unknown == .failure(.unknownCA))
        }
    }

    @Test func selfSignedCertificatesPassOpenSSLVerifyAndCurl() throws {
        let configuration = TLSServerConfiguration.selfSigned(hostname: "localhost", now: Self.now(), random: systemTLSRandom)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-selfsigned-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("cert.pem").path
        try PEM.encode(configuration.certificateChain[0], label: "CERTIFICATE").write(toFile: path, atomically: true, encoding: .utf8)
        let verify = try Host.run(["openssl", "verify", "-CAfile", path, path])
        #expect(verify.status == 0, "\(verify.output)")
        try withHTTPSServer(configuration) { port, loop in
            let curl = try await runPeer(["curl", "-sS", "--tlsv1.3", "--cacert", path, "--resolve", "localhost:\(port):127.0.0.1",
                                          "https://localhost:\(port)/echo/self"], on: loop)
            #expect(curl.output == "self", "\(curl.output)")
        }
    }

    /// A renewed certificate swapped in while serving: new connections get it (curl trusting
    /// only the new one succeeds, trusting only the old one fails), and a kept-alive connection
    /// made before the swap goes on serving.
    @Test func replacedCertificatesServeNewConnectionsWithoutDroppingOldOnes() throws {
        let old = TLSServerConfiguration.selfSigned(hostname: "localhost", now: Self.now(), random: systemTLSRandom)
        let new = TLSServerConfiguration.selfSigned(hostname: "localhost", now: Self.now(), random: systemTLSRandom)
        #expect(old.certificateChain != new.certificateChain)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-replace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let oldPath = directory.appendingPathComponent("old.pem").path, newPath = directory.appendingPathComponent("new.pem").path
        try PEM.encode(old.certificateChain[0], label: "CERTIFICATE").write(toFile: oldPath, atomically: true, encoding: .utf8)
        try PEM.encode(new.certificateChain[0], label: "CERTIFICATE").write(toFile: newPath, atomically: true, encoding: .utf8)
        let identity = TLSServerIdentity(old)
        try withHTTPSServer(identity: identity) { port, loop in
            let anchors = try Certificate.chain(pemEncoded: String(contentsOfFile: oldPath, encoding: .utf8))
            let tls = TLSClientConfiguration(serverName: "", trustAnchors: anchors, now: Self.now, random: systemTLSRandom)
            let stack = TLSStack(base: SocketStack(loop: loop, address: .loopback), client: tls)
            let client = HTTPClient(stack: stack, resolver: LocalhostResolver(), time: PlatformTime(loop: loop),
                                    secureConnect: { (endpoint, name) async throws(NetError) in try await stack.connect(to: endpoint, serverName: name) },
                                    spawn: { body in Task(executorPreference: loop) { await body() } })
            let first = try await client.get("https://localhost:\(port)/echo/before")
            #expect(first.text == "before")
            identity.replace(with: new)
            let curlNew = try await runPeer(["curl", "-sS", "--tlsv1.3", "--cacert", newPath, "--resolve", "localhost:\(port):127.0.0.1",
                                             "https://localhost:\(port)/echo/new"], on: loop)
            #expect(curlNew.output == "new", "\(curlNew.output)")
            let curlOld = try await runPeer(["curl", "-sS", "--tlsv1.3", "--cacert", oldPath, "--resolve", "localhost:\(port):127.0.0.1",
                                             "https://localhost:\(port)/echo/old"], on: loop)
            #expect(curlOld.status != 0, "\(curlOld.output)")
            let second = try await client.get("https://localhost:\(port)/echo/after")
            #expect(second.text == "after")
            #expect(client.connectionsOpened == 1 && client.connectionsReused == 1)
            #expect(identity.replacements == 1)
            await client.closeIdleConnections()
        }
    }
}

/// `localhost` is 127.0.0.1 (what curl's `--resolve` does for the peer tools).
struct LocalhostResolver: DNSResolving {
    func addresses(of name: String) async throws(DNSError) -> [IPv4Address] {
        if name == "localhost" { return [.loopback] }
        return try await DNSLiteralAddresses().addresses(of: name)
    }
}
