import Foundation
import SwiftletACME
import SwiftletCrypto
import SwiftletDevices
import SwiftletHTTP
import SwiftletRuntime
import SwiftletUnix
import SwiftletX509
import Testing

/// An `ACMETransport` over the host's curl, so the client's state machine meets pebble before
/// Swiftlet's own HTTPS client is wired in: each request is one curl run, awaited on the loop.
struct CurlTransport: ACMETransport {
    let loop: SwiftletRuntime.RunLoop<UnixPlatform>
    /// The CA file that authenticates pebble's listener.
    let trustAnchors: String
    let scratch: URL

    func send(_ request: ACMEHTTPRequest) async throws(ACMEError) -> ACMEHTTPResponse {
        let name = UUID().uuidString
        let bodyIn = scratch.appendingPathComponent(name + ".in").path
        let headersOut = scratch.appendingPathComponent(name + ".headers").path
        let bodyOut = scratch.appendingPathComponent(name + ".body").path
        defer { for path in [bodyIn, headersOut, bodyOut] { try? FileManager.default.removeItem(atPath: path) } }
        var arguments = ["curl", "-sS", "--http1.1", "--max-time", "20", "--cacert", trustAnchors, "-D", headersOut, "-o", bodyOut]
        switch request.method {
        case .head: arguments.append("--head")
        case .post:
            _ = FileManager.default.createFile(atPath: bodyIn, contents: Data(request.body))
            arguments += ["-X", "POST", "--data-binary", "@" + bodyIn]
        default: break
        }
        for field in request.headers { arguments += ["-H", field.name + ": " + field.value] }
        arguments.append(request.url)
        let process: Process
        do { process = try Host.start(arguments) } catch { throw .transport("curl: \(error)") }
        guard await Host.waitForExit(process, on: loop, seconds: 30) else {
            Host.stop(process)
            throw .transport("curl did not finish")
        }
        guard process.terminationStatus == 0 else {
            let errors = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            throw .transport("curl \(process.terminationStatus): " + String(decoding: errors, as: UTF8.self))
        }
        // The last header block is the final response's.
        let text = (try? String(contentsOfFile: headersOut, encoding: .utf8)) ?? ""
        let blocks = text.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
        guard let block = blocks.last else { throw .transport("curl wrote no headers") }
        let lines = block.components(separatedBy: "\r\n")
        let statusFields = lines[0].split(separator: " ")
        guard statusFields.count >= 2, let status = Int(statusFields[1]) else { throw .transport("bad status line " + lines[0]) }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let body = (try? Data(contentsOf: URL(fileURLWithPath: bodyOut))).map { [UInt8]($0) } ?? []
        return ACMEHTTPResponse(status: status, headers: headers, body: body)
    }
}

/// pebble (the Debian package) as the CA, its challenge test server as DNS, and the HTTP-01
/// answers served by SwiftletHTTP on host sockets from the client's `HTTP01Responder`.
@Suite(.serialized) struct ACMEPebbleTests {
    @Test func obtainsACertificateFromPebble() throws {
        for command in ["pebble", "pebble-challtestsrv", "openssl", "curl"] where Host.find(command) == nil {
            print("skipped: \(command) is not installed (Scripts/install-dependencies installs it)")
            return
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-pebble-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }

        // Ports the kernel says are free, so it runs beside other pebbles (and other runs of itself).
        let ports = try (0..<6).map { _ in try freeLoopbackPort() }
        let (acmePort, managementPort, httpPort, dnsPort, challengeManagementPort) = (ports[0], ports[1], ports[2], ports[3], ports[4])
        let base = ports[0]
        let name = "acme-\(base).swiftlet.test"

        var result = try Host.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                   "-keyout", path("listener.key"), "-out", path("listener.pem"), "-days", "2",
                                   "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        try #require(result.status == 0, "openssl: \(result.output)")
        let config = """
        {"pebble": {"listenAddress": "127.0.0.1:\(acmePort)", "managementListenAddress": "127.0.0.1:\(managementPort)",
         "certificate": "\(path("listener.pem"))", "privateKey": "\(path("listener.key"))",
         "httpPort": \(httpPort), "tlsPort": \(ports[5]), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
        """
        try config.write(toFile: path("pebble.json"), atomically: true, encoding: .utf8)

        let dns = try Host.start(["pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                                  "-dns01", "127.0.0.1:\(dnsPort)", "-http01", "", "-https01", "", "-tlsalpn01", "",
                                  "-management", "127.0.0.1:\(challengeManagementPort)"])
        defer { Host.stop(dns) }
        // pebble's default 5% nonce rejection stays on: the client must survive it.
        let pebble = Process()
        pebble.executableURL = URL(fileURLWithPath: Host.find("pebble")!)
        pebble.arguments = ["-config", path("pebble.json"), "-dnsserver", "127.0.0.1:\(dnsPort)"]
        pebble.environment = ProcessInfo.processInfo.environment.merging(["PEBBLE_VA_NOSLEEP": "1"]) { $1 }
        _ = FileManager.default.createFile(atPath: path("pebble.log"), contents: nil)
        let pebbleLog = try FileHandle(forWritingTo: URL(fileURLWithPath: path("pebble.log")))
        pebble.standardOutput = pebbleLog
        pebble.standardError = pebbleLog
        try pebble.run()
        defer { Host.stop(pebble) }
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? Host.run(["curl", "-sf", "--cacert", path("listener.pem"), "https://127.0.0.1:\(acmePort)/dir"], seconds: 5))?.status == 0
            if !ready { usleep(100_000) }
        }
        try #require(ready, "pebble did not start: \((try? String(contentsOfFile: path("pebble.log"), encoding: .utf8)) ?? "")")

        // The certificate key is ours; openssl makes the CSR from it (SAN and CN) until
        // SwiftletX509 builds CSRs.
        let certificateKey = P256.Signing.PrivateKey(seed: "pebble test \(base)", label: ACMEKeys.certificateLabel)
        let publicPoint = certificateKey.publicKey.x963Representation
        try ECPrivateKeyDocument(scalar: certificateKey.rawRepresentation, publicKey: publicPoint).pkcs8PEM
            .write(toFile: path("certificate.key"), atomically: true, encoding: .utf8)
        result = try Host.run(["openssl", "req", "-new", "-key", path("certificate.key"), "-subj", "/CN=" + name,
                               "-addext", "subjectAltName=DNS:" + name, "-outform", "DER", "-out", path("csr.der")])
        try #require(result.status == 0, "openssl req: \(result.output)")
        let csr = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("csr.der"))))
        var chainPEM = ""
        try runOnUnixLoop(seconds: 240) { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            let server = HTTPServer(stack: stack, time: PlatformTime(loop: loop), clock: PlatformLoopClock(platform: loop.platform),
                                    wallClock: PlatformWallClock(platform: loop.platform),
                                    spawn: { body in Task(executorPreference: loop) { await body() } })
            let responder = HTTP01Responder()
            let router = Router()
            responder.install(on: router)
            Task(executorPreference: loop) { try? await server.serve(port: UInt16(httpPort), handler: router.handler) }
            var configuration = ACMEClientConfiguration()
            // Two rejections in a row come with 0.25% of requests at pebble's 5%.
            configuration.maxBadNonceRetries = 3
            let transport = CurlTransport(loop: loop, trustAnchors: path("listener.pem"), scratch: scratch)
            let directory = "https://127.0.0.1:\(acmePort)/dir"
            let accountKey = ES256Key(seed: "pebble test account \(base)")
            let client = ACMEClient(directoryURL: directory, transport: transport, accountKey: accountKey,
                                    time: PlatformTime(loop: loop), configuration: configuration)
            let account = try await client.findOrCreateAccount(contact: ["mailto:admin@example.org"], termsOfServiceAgreed: true)
            #expect(account.isNew)
            let chain = try await client.obtainCertificate(for: [name], csr: csr, responder: responder)
            #expect(chain.covers([name]))
            #expect(chain.certifies(p256PublicKey: publicPoint))
            #expect(chain.certificates.count >= 2)
            #expect(responder.answered >= 1)
            #expect(responder.tokens.isEmpty)
            chainPEM = chain.pem
            print("pebble: certificate for \(name) after \(responder.answered) validation request(s), \(client.badNonceRetries) badNonce retries")
            // A rebooted unikernel with the same seed finds its account.
            let again = ACMEClient(directoryURL: directory, transport: transport, accountKey: ES256Key(seed: "pebble test account \(base)"),
                                   time: PlatformTime(loop: loop), configuration: configuration)
            let found = try await again.findOrCreateAccount(contact: ["mailto:admin@example.org"], termsOfServiceAgreed: true)
            #expect(!found.isNew)
            #expect(found.url == account.url)
            await server.shutdown(gracePeriod: .seconds(1))
        }
        try #require(!chainPEM.isEmpty)

        // openssl checks the chain up to pebble's root.
        try chainPEM.write(toFile: path("chain.pem"), atomically: true, encoding: .utf8)
        result = try Host.run(["curl", "-sf", "--cacert", path("listener.pem"), "-o", path("root.pem"), "https://127.0.0.1:\(managementPort)/roots/0"])
        try #require(result.status == 0, "root: \(result.output)")
        result = try Host.run(["openssl", "verify", "-CAfile", path("root.pem"), "-untrusted", path("chain.pem"), path("chain.pem")])
        #expect(result.status == 0 && result.output.contains("OK"), "openssl verify: \(result.output)")
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick for port 0; held in
/// TIME_WAIT by nobody, since nothing connected).
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
