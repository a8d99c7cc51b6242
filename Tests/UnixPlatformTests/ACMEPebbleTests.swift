import Foundation
import SwiftletACME
import SwiftletCrypto
import SwiftletDevices
import SwiftletHTTP
import SwiftletRuntime
import SwiftletTLS
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

/// pebble (the Debian package) with its challenge test server as DNS (every name is
/// 127.0.0.1), on ports the kernel says are free, in a scratch folder; stopped by `stop()`.
final class PebbleCA {
    let scratch: URL
    let acmePort: Int, managementPort: Int, httpPort: Int
    /// A name of its own, resolved to 127.0.0.1 by the challenge server's DNS.
    let name: String
    private var processes: [Process] = []

    /// `nil` (after printing why) when pebble, its test server, openssl or curl is missing.
    init?(certificateValidity: Int? = nil) throws {
        for command in ["pebble", "pebble-challtestsrv", "openssl", "curl"] where Host.find(command) == nil {
            print("skipped: \(command) is not installed (Scripts/install-dependencies installs it)")
            return nil
        }
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-pebble-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let ports = try (0..<6).map { _ in try freeLoopbackPort() }
        (acmePort, managementPort, httpPort) = (ports[0], ports[1], ports[2])
        name = "acme-\(ports[0]).swiftlet.test"
        let result = try Host.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                   "-keyout", path("listener.key"), "-out", path("listener.pem"), "-days", "2",
                                   "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        try #require(result.status == 0, "openssl: \(result.output)")
        let validity = certificateValidity.map { ", \"certificateValidityPeriod\": \($0)" } ?? ""
        let config = """
        {"pebble": {"listenAddress": "127.0.0.1:\(acmePort)", "managementListenAddress": "127.0.0.1:\(managementPort)",
         "certificate": "\(path("listener.pem"))", "privateKey": "\(path("listener.key"))",
         "httpPort": \(httpPort), "tlsPort": \(ports[5]), "ocspResponderURL": "", "externalAccountBindingRequired": false\(validity)}}
        """
        try config.write(toFile: path("pebble.json"), atomically: true, encoding: .utf8)
        processes.append(try Host.start(["pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                                         "-dns01", "127.0.0.1:\(ports[3])", "-http01", "", "-https01", "", "-tlsalpn01", "",
                                         "-management", "127.0.0.1:\(ports[4])"]))
        // pebble's default 5% nonce rejection stays on: the client must survive it.
        let pebble = Process()
        pebble.executableURL = URL(fileURLWithPath: Host.find("pebble")!)
        pebble.arguments = ["-config", path("pebble.json"), "-dnsserver", "127.0.0.1:\(ports[3])"]
        pebble.environment = ProcessInfo.processInfo.environment.merging(["PEBBLE_VA_NOSLEEP": "1"]) { $1 }
        _ = FileManager.default.createFile(atPath: path("pebble.log"), contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: path("pebble.log")))
        pebble.standardOutput = log
        pebble.standardError = log
        try pebble.run()
        processes.append(pebble)
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? Host.run(["curl", "-sf", "--cacert", path("listener.pem"), directoryURL], seconds: 5))?.status == 0
            if !ready { usleep(100_000) }
        }
        if !ready {
            stop()
            Issue.record("pebble did not start: \((try? String(contentsOfFile: path("pebble.log"), encoding: .utf8)) ?? "")")
            return nil
        }
    }

    var directoryURL: String { "https://127.0.0.1:\(acmePort)/dir" }
    func path(_ file: String) -> String { scratch.appendingPathComponent(file).path }

    func stop() {
        for process in processes.reversed() { Host.stop(process) }
        processes = []
        try? FileManager.default.removeItem(at: scratch)
    }
}

/// Runs `body` on the unix loop with an HTTP server on pebble's HTTP-01 port serving `responder`.
func withChallengeServer(_ pebble: PebbleCA, seconds: Int,
                         _ body: @escaping (SwiftletRuntime.RunLoop<UnixPlatform>, HTTP01Responder) async throws -> Void) throws {
    try runOnUnixLoop(seconds: seconds) { loop in
        let server = HTTPServer(stack: SocketStack(loop: loop, address: .loopback), time: PlatformTime(loop: loop),
                                clock: PlatformLoopClock(platform: loop.platform), wallClock: PlatformWallClock(platform: loop.platform),
                                spawn: { body in Task(executorPreference: loop) { await body() } })
        let responder = HTTP01Responder()
        let router = Router()
        responder.install(on: router)
        Task(executorPreference: loop) { try? await server.serve(port: UInt16(pebble.httpPort), handler: router.handler) }
        do {
            try await body(loop, responder)
        } catch {
            await server.shutdown(gracePeriod: .seconds(1))
            throw error
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }
}

/// The ACME client against pebble: HTTP-01 answered by SwiftletHTTP on host sockets from the
/// client's `HTTP01Responder`, the CA reached through curl; the CSR is ours (CertificateSigningRequest).
@Suite(.serialized) struct ACMEPebbleTests {
    func client(_ pebble: PebbleCA, _ loop: SwiftletRuntime.RunLoop<UnixPlatform>, seed: String)
        -> ACMEClient<CurlTransport, ES256Key, PlatformTime<UnixPlatform>> {
        var configuration = ACMEClientConfiguration()
        // Two rejections in a row come with 0.25% of requests at pebble's 5%.
        configuration.maxBadNonceRetries = 3
        return ACMEClient(directoryURL: pebble.directoryURL,
                          transport: CurlTransport(loop: loop, trustAnchors: pebble.path("listener.pem"), scratch: pebble.scratch),
                          accountKey: ES256Key(seed: seed), time: PlatformTime(loop: loop), configuration: configuration)
    }

    @Test func obtainsACertificateFromPebble() throws {
        guard let pebble = try PebbleCA() else { return }
        defer { pebble.stop() }
        let name = pebble.name
        let certificateKey = P256.Signing.PrivateKey(seed: "pebble test \(name)", label: ACMEKeys.certificateLabel)
        let publicPoint = certificateKey.publicKey.x963Representation
        var chainPEM = ""
        try withChallengeServer(pebble, seconds: 240) { loop, responder in
            let client = client(pebble, loop, seed: "pebble test account \(name)")
            let account = try await client.findOrCreateAccount(contact: ["mailto:admin@example.org"], termsOfServiceAgreed: true)
            #expect(account.isNew)
            let chain = try await client.obtainCertificate(for: [name], certificateKey: certificateKey, responder: responder)
            #expect(chain.covers([name]))
            #expect(chain.certifies(p256PublicKey: publicPoint))
            #expect(chain.certificates.count >= 2)
            #expect(responder.answered >= 1)
            #expect(responder.tokens.isEmpty)
            chainPEM = chain.pem
            print("pebble: certificate for \(name) after \(responder.answered) validation request(s), \(client.badNonceRetries) badNonce retries")
            // A rebooted unikernel with the same seed finds its account.
            let found = try await self.client(pebble, loop, seed: "pebble test account \(name)")
                .findOrCreateAccount(contact: ["mailto:admin@example.org"], termsOfServiceAgreed: true)
            #expect(!found.isNew)
            #expect(found.url == account.url)
        }
        try #require(!chainPEM.isEmpty)

        // openssl checks the chain up to pebble's root.
        try chainPEM.write(toFile: pebble.path("chain.pem"), atomically: true, encoding: .utf8)
        var result = try Host.run(["curl", "-sf", "--cacert", pebble.path("listener.pem"), "-o", pebble.path("root.pem"),
                                   "https://127.0.0.1:\(pebble.managementPort)/roots/0"])
        try #require(result.status == 0, "root: \(result.output)")
        result = try Host.run(["openssl", "verify", "-CAfile", pebble.path("root.pem"), "-untrusted", pebble.path("chain.pem"),
                               pebble.path("chain.pem")])
        #expect(result.status == 0 && result.output.contains("OK"), "openssl verify: \(result.output)")
    }

    /// The whole way on Swiftlet's own code: SwiftletHTTP's client over SwiftletTLS over host
    /// sockets to pebble, HTTP-01 answered by SwiftletHTTP's server.
    @Test func obtainsACertificateOverSwiftletsHTTPSClient() throws {
        guard let pebble = try PebbleCA() else { return }
        defer { pebble.stop() }
        let name = pebble.name
        let anchors = try Certificate.chain(pemEncoded: String(contentsOfFile: pebble.path("listener.pem"), encoding: .utf8))
        let certificateKey = P256.Signing.PrivateKey(seed: "own client \(name)", label: ACMEKeys.certificateLabel)
        try withChallengeServer(pebble, seconds: 240) { loop, responder in
            let wallClock = PlatformWallClock(platform: loop.platform)
            let tls = TLSClientConfiguration(serverName: "localhost", trustAnchors: anchors, now: { wallClock.now() },
                                             random: TLSRandom(device: UnixRandom()))
            let stack = TLSStack(base: SocketStack(loop: loop, address: .loopback), client: tls)
            let http = HTTPClient(stack: stack, resolver: DNSLiteralAddresses(), time: PlatformTime(loop: loop),
                                  secureConnect: { (endpoint, name) async throws(NetError) in try await stack.connect(to: endpoint, serverName: name) },
                                  spawn: { body in Task(executorPreference: loop) { await body() } })
            var configuration = ACMEClientConfiguration()
            configuration.maxBadNonceRetries = 3
            let client = ACMEClient(directoryURL: pebble.directoryURL, transport: ACMEHTTPClientTransport(client: http),
                                    accountKey: ES256Key(seed: "own client account \(name)"), time: PlatformTime(loop: loop),
                                    configuration: configuration)
            let account = try await client.findOrCreateAccount(contact: ["mailto:admin@example.org"], termsOfServiceAgreed: true)
            #expect(account.isNew)
            let chain = try await client.obtainCertificate(for: [name], certificateKey: certificateKey, responder: responder)
            #expect(chain.covers([name]))
            #expect(chain.certificates.count >= 2)
            print("pebble over SwiftletTLS: \(http.connectionsOpened) connection(s), \(http.connectionsReused) reuse(s), \(client.badNonceRetries) badNonce retries")
            await http.closeIdleConnections()
        }
    }

    /// pebble issues 15-second certificates; the renewer renews each at two thirds of its life
    /// (10 s), leaving 5 s for an issuance on a loaded machine.
    @Test func renewsShortLivedCertificates() throws {
        guard let pebble = try PebbleCA(certificateValidity: 15) else { return }
        defer { pebble.stop() }
        let name = pebble.name
        let csr = try CertificateSigningRequest(commonName: name, dnsNames: [name],
                                                privateKey: P256.Signing.PrivateKey(seed: "renewal \(name)", label: ACMEKeys.certificateLabel)).der
        try withChallengeServer(pebble, seconds: 120) { loop, responder in
            let client = client(pebble, loop, seed: "renewal account \(name)")
            try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
            var installed: [(at: Int64, chain: ACMECertificateChain)] = []
            let clock = PlatformWallClock(platform: loop.platform)
            var policy = RenewalPolicy()
            policy.minimumBackoff = .seconds(1)
            let renewer = CertificateRenewer(policy: policy, clock: clock, time: PlatformTime(loop: loop),
                                             obtain: { () async throws(ACMEError) in
                                                 try await client.obtainCertificate(for: [name], csr: csr, responder: responder)
                                             },
                                             install: { chain in installed.append((clock.now().secondsSinceEpoch, chain)) })
            for _ in 0..<3 {
                if case .failed(let error) = await renewer.step() { Issue.record("attempt failed: \(error)") }
            }
            try #require(installed.count == 3)
            let serials = Set(installed.map { $0.chain.leaf.serialNumber })
            #expect(serials.count == 3)
            for (previous, next) in zip(installed, installed.dropFirst()) {
                // Renewed at two thirds of the previous certificate's life, before it expired.
                let due = RenewalPolicy().renewalTime(notBefore: previous.chain.notBefore, notAfter: previous.chain.notAfter)
                #expect(next.at >= due.secondsSinceEpoch)
                #expect(next.at < previous.chain.notAfter.secondsSinceEpoch)
            }
        }
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
