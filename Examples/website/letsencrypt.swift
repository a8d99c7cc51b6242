import _Concurrency
import SwiftletACME
import SwiftletCrypto
import SwiftletDevices
import SwiftletHTTP
import SwiftletRuntime
import SwiftletTLS
import SwiftletX509

/// `--letsencrypt=true`: port 80 (`--port`) answers HTTP-01 challenges and redirects the rest
/// to HTTPS; a certificate for `--hostname` is obtained from the ACME CA before HTTPS serves,
/// and renewed at two thirds of its lifetime into the same `TLSServerIdentity`, so renewals
/// reach new connections while open ones keep theirs.
extension Website {
    func serveWithLetsEncrypt(router: Router, port: UInt16) async throws(NetError) {
        guard var random = TLSDefaults.random else {
            throw .invalidArgument("--letsencrypt=true needs an entropy source, and this target has no random device yet")
        }
        // The CA's own HTTPS listener is checked against these roots (no built-in list: for
        // Let's Encrypt, ISRG Root X1's PEM; for pebble, its listener certificate).
        guard let caPEM = try? await certificates.get(KVKey(Keys.acmeCaPem)),
              let anchors = try? Certificate.chain(pemEncoded: String(decoding: caPEM, as: UTF8.self)), !anchors.isEmpty else {
            throw .invalidArgument("--letsencrypt=true: no CA roots in \(Keys.acmeCaPem) of the certificates store")
        }
        let wallClock = self.wallClock
        let client = TLSClientConfiguration(serverName: "", trustAnchors: anchors, now: { wallClock.now() }, random: random)
        let tls = TLSStack(base: stack, client: client)
        let http = HTTPClient(stack: tls, resolver: dns, time: time,
                              secureConnect: { (endpoint, name) async throws(NetError) in try await tls.connect(to: endpoint, serverName: name) })
        let directory = ACMEDirectories.url(production: Keys.production, override: Keys.acmeDirectory)
        let acme = ACMEClient(directoryURL: directory, transport: ACMEHTTPClientTransport(client: http),
                              accountKey: ACMEKeys.accountKey(seed: Keys.accountSeed, using: &random), time: time)
        let certificateKey = ACMEKeys.certificateKey(seed: Keys.certSeed, using: &random)
        let serverRandom = random

        // Port 80: the challenges, and a redirect for everything else.
        let responder = HTTP01Responder()
        let securePort = UInt16(truncatingIfNeeded: Keys.httpsPort)
        let origin = "https://" + Keys.hostname + (securePort == 443 ? "" : ":\(securePort)")
        let plain = self.http
        Task {
            do throws(NetError) {
                try await plain.serve(port: port) { request throws(HTTPError) in
                    if request.path.utf8.starts(with: HTTP01Responder.pathPrefix.utf8) { return responder.respond(to: request) }
                    return .redirect(to: origin + request.target)
                }
            } catch {
                Logger(source: "website").error("HTTP on port \(port): \(error)")
            }
        }

        let log = self.log
        let hostname = Keys.hostname
        let contact = Keys.email.isEmpty ? [] : ["mailto:" + Keys.email]
        let obtain = { () async throws(ACMEError) -> ACMECertificateChain in
            let account = try await acme.findOrCreateAccount(contact: contact, termsOfServiceAgreed: true)
            log.info(account.isNew ? "ACME account created at \(directory)" : "ACME account found at \(directory)")
            return try await acme.obtainCertificate(for: [hostname], certificateKey: certificateKey, responder: responder)
        }
        // The first certificate before HTTPS serves; the renewer retries with back-off.
        var identity: TLSServerIdentity?
        let renewer = CertificateRenewer(clock: wallClock, time: time, obtain: obtain) { chain in
            let configuration = TLSServerConfiguration(certificateChain: chain.certificates.map { $0.der }, privateKey: certificateKey,
                                                       random: serverRandom)
            if let identity { identity.replace(with: configuration) } else { identity = TLSServerIdentity(configuration) }
        }
        while identity == nil {
            if case .failed(let error) = await renewer.step(), Task.isCancelled { throw .invalidArgument("ACME: \(error)") }
        }
        guard let identity else { return }
        log.info("serving the ACME certificate for \(hostname)")
        TLSDefaults.serverIdentity = identity
        Task { await renewer.run() }
        try await https.serve(port: securePort, handler: router.handler)
    }
}
