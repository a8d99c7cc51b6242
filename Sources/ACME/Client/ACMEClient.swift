import _Concurrency
import SwiftletX509
import SwiftletCrypto
import SwiftletDevices
import SwiftletHTTP
import SwiftletRuntime

/// An ACME client (RFC 8555) for one account at one CA, over any `ACMETransport`.
///
/// It keeps the directory, the account URL and the nonce the CA gave last. Every POST is a JWS
/// signed with the account key; a `badNonce` rejection is retried once with the fresh nonce that
/// came with it. Problems the CA sends are logged (source `acme`) as it wrote them.
///
/// ```swift
/// let client = ACMEClient(directoryURL: "https://localhost:14000/dir", transport: https,
///                         accountKey: accountKey, time: time)
/// _ = try await client.findOrCreateAccount(contact: ["mailto:admin@example.org"], termsOfServiceAgreed: true)
/// let chain = try await client.obtainCertificate(for: ["example.org"], csr: csrDER, responder: responder)
/// ```
public final class ACMEClient<Transport: ACMETransport, Key: JWSSigningKey, Time: TimeDevice> {
    /// The directory URL, e.g. Let's Encrypt's `https://acme-v02.api.letsencrypt.org/directory`.
    public let directoryURL: String
    public var configuration: ACMEClientConfiguration
    /// The directory, once fetched.
    public private(set) var directory: ACMEDirectory?
    /// The account, once found or created.
    public private(set) var account: ACMEAccount?
    /// The account key's JWK thumbprint (RFC 7638), the second half of every key authorization.
    public let thumbprint: String
    /// How many times a `badNonce` rejection was retried.
    public private(set) var badNonceRetries = 0
    /// The wall clock that turns a `Retry-After` HTTP-date into a wait; without one, such a
    /// header counts as absent (Let's Encrypt and pebble send delay-seconds).
    public var wallClock: (() -> WallClockTime)?

    let transport: Transport
    let accountKey: Key
    let time: Time
    private var nonce: String?
    private let log = Logger(source: "acme")

    public init(directoryURL: String, transport: Transport, accountKey: Key, time: Time,
                configuration: ACMEClientConfiguration = ACMEClientConfiguration()) {
        self.directoryURL = directoryURL
        self.transport = transport
        self.accountKey = accountKey
        self.time = time
        self.configuration = configuration
        thumbprint = JWK.thumbprint(accountKey.publicJWK) ?? ""
    }

    /// The key authorization of a challenge token (RFC 8555 section 8.1).
    public func keyAuthorization(token: String) -> String {
        token + "." + thumbprint
    }

    // MARK: Directory and account

    /// Fetches the directory (once).
    @discardableResult
    public func fetchDirectory() async throws(ACMEError) -> ACMEDirectory {
        if let directory { return directory }
        let response = try await send(ACMEHTTPRequest(method: .get, url: directoryURL))
        guard response.status == 200 else { throw failure(response, "directory") }
        let directory = try ACMEDirectory(json: try json(response))
        if directory.externalAccountRequired {
            throw .unsupported("the CA requires external account binding")
        }
        self.directory = directory
        return directory
    }

    /// The account of this key: found if the CA knows the key (`onlyReturnExisting`), created
    /// otherwise with `contact` (`mailto:` URLs) and the terms of service agreed as given.
    @discardableResult
    public func findOrCreateAccount(contact: [String], termsOfServiceAgreed: Bool) async throws(ACMEError) -> ACMEAccount {
        let directory = try await fetchDirectory()
        do throws(ACMEError) {
            let response = try await post(directory.newAccount, payload: ["onlyReturnExisting": true],
                                          signedWithKey: true, expected: "accountDoesNotExist")
            return try setAccount(response, isNew: false)
        } catch {
            guard case .problem(let problem) = error, problem.isACMEError("accountDoesNotExist") else { throw error }
        }
        var payload = JSONObject()
        payload["termsOfServiceAgreed"] = .bool(termsOfServiceAgreed)
        if !contact.isEmpty { payload["contact"] = .array(contact.map { .string($0) }) }
        let response = try await post(directory.newAccount, payload: .object(payload), signedWithKey: true)
        let account = try setAccount(response, isNew: response.status == 201)
        log.info("created account " + account.url)
        return account
    }

    private func setAccount(_ response: ACMEHTTPResponse, isNew: Bool) throws(ACMEError) -> ACMEAccount {
        guard response.status == 200 || response.status == 201 else { throw failure(response, "newAccount") }
        guard let location = response.headers["Location"], !location.isEmpty else {
            throw .unexpectedResponse("newAccount: no Location")
        }
        let body = try json(response)
        let account = ACMEAccount(url: location, status: body["status"]?.string ?? "valid",
                                  contact: (body["contact"]?.array ?? []).compactMap { $0.string }, isNew: isNew)
        guard account.status == "valid" else {
            throw .problem(ACMEProblem(type: "urn:ietf:params:acme:error:unauthorized",
                                       detail: "account is " + account.status))
        }
        self.account = account
        return account
    }

    // MARK: Orders

    /// Orders a certificate for `names` (DNS names).
    public func newOrder(for names: [String]) async throws(ACMEError) -> ACMEOrder {
        let directory = try await fetchDirectory()
        let identifiers: [JSONValue] = names.map { ["type": "dns", "value": .string($0)] }
        let response = try await post(directory.newOrder, payload: ["identifiers": .array(identifiers)])
        guard response.status == 201 else { throw failure(response, "newOrder") }
        guard let location = response.headers["Location"], !location.isEmpty else {
            throw .unexpectedResponse("newOrder: no Location")
        }
        return try ACMEOrder(json: try json(response), url: location)
    }

    /// The order at `url`, fetched again.
    public func order(at url: String) async throws(ACMEError) -> ACMEOrder {
        let response = try await post(url, payload: nil)
        guard response.status == 200 else { throw failure(response, "order") }
        return try ACMEOrder(json: try json(response), url: url)
    }

    /// The authorization at `url`.
    public func authorization(at url: String) async throws(ACMEError) -> ACMEAuthorization {
        let response = try await post(url, payload: nil)
        guard response.status == 200 else { throw failure(response, "authorization") }
        return try ACMEAuthorization(json: try json(response), url: url)
    }

    /// Proves control of the authorization's name with its HTTP-01 challenge: publishes the key
    /// authorization on `responder`, tells the CA to look, and polls until the CA decides.
    /// Returns at once if the authorization is already valid.
    public func authorize(_ url: String, responder: HTTP01Responder) async throws(ACMEError) {
        let authorization = try await self.authorization(at: url)
        if authorization.status == "valid" { return }
        guard authorization.status == "pending" else {
            throw .problem(ACMEProblem(type: "urn:ietf:params:acme:error:unauthorized",
                                       detail: "authorization for \(authorization.identifier) is \(authorization.status)"))
        }
        guard let challenge = authorization.challenges.first(where: { $0.type == "http-01" }) else {
            throw .unsupported("no http-01 challenge for " + authorization.identifier)
        }
        // The token becomes a path: only base64url characters (RFC 8555 section 8.3).
        guard let token = challenge.token, token.utf8.count <= 256, Base64URL.isAlphabet(token) else {
            throw .unexpectedResponse("http-01 challenge for \(authorization.identifier) has no valid token")
        }
        responder.publish(token: token, keyAuthorization: keyAuthorization(token: token))
        defer { responder.withdraw(token: token) }
        if challenge.status == "pending" {
            let response = try await post(challenge.url, payload: .object(JSONObject()))
            guard response.status == 200 else { throw failure(response, "challenge") }
        }
        let (body, _) = try await poll(url, what: "authorization for " + authorization.identifier) { status in
            status != "pending"
        }
        let final = try ACMEAuthorization(json: body, url: url)
        guard final.status == "valid" else {
            let problem = final.challenges.first { $0.error != nil }?.error
                ?? ACMEProblem(type: "urn:ietf:params:acme:error:unauthorized",
                               detail: "authorization for \(final.identifier) is \(final.status)")
            log.error("CA refused \(final.identifier): \(problem.description)")
            throw .problem(problem)
        }
        log.info("authorized " + final.identifier)
    }

    /// Finalizes a ready order with a CSR (DER) and waits until the certificate is issued.
    public func finalize(_ order: ACMEOrder, csr: [UInt8]) async throws(ACMEError) -> ACMEOrder {
        let response = try await post(order.finalize, payload: ["csr": .string(Base64URL.encode(csr))])
        guard response.status == 200 else { throw failure(response, "finalize") }
        var current = try ACMEOrder(json: try json(response), url: order.url)
        if current.status == "processing" || current.status == "ready" {
            let (body, _) = try await poll(order.url, what: "order") { status in
                status != "processing" && status != "ready"
            }
            current = try ACMEOrder(json: body, url: order.url)
        }
        guard current.status == "valid", current.certificate != nil else {
            let problem = current.error ?? ACMEProblem(type: "urn:ietf:params:acme:error:orderNotReady",
                                                       detail: "order is " + current.status + " after finalize")
            log.error("order \(order.url): \(problem.description)")
            throw .problem(problem)
        }
        return current
    }

    /// The certificate chain of a valid order (the end-entity certificate first).
    public func downloadCertificate(_ order: ACMEOrder) async throws(ACMEError) -> ACMECertificateChain {
        guard let url = order.certificate else { throw .unexpectedResponse("order has no certificate URL") }
        let response = try await post(url, payload: nil, accept: "application/pem-certificate-chain")
        guard response.status == 200 else { throw failure(response, "certificate") }
        return try ACMECertificateChain(pem: String(decoding: response.body, as: UTF8.self))
    }

    /// The whole issuance for `names` with an account already found or created: order, HTTP-01
    /// for every authorization, finalize with `csr` (DER; it must name `names` in its SAN), and
    /// the chain, which must name all of `names`.
    public func obtainCertificate(for names: [String], csr: [UInt8], responder: HTTP01Responder) async throws(ACMEError) -> ACMECertificateChain {
        guard account != nil else { throw .unsupported("no account: call findOrCreateAccount first") }
        var order = try await newOrder(for: names)
        log.info("order \(order.url) for \(names.joined(separator: ", ")): \(order.status)")
        for authorization in order.authorizations {
            try await authorize(authorization, responder: responder)
        }
        if order.status == "pending" {
            let (body, _) = try await poll(order.url, what: "order") { status in status != "pending" }
            order = try ACMEOrder(json: body, url: order.url)
        }
        guard order.status == "ready" || order.status == "valid" else {
            let problem = order.error ?? ACMEProblem(type: "urn:ietf:params:acme:error:orderNotReady",
                                                     detail: "order is " + order.status)
            log.error("order \(order.url): \(problem.description)")
            throw .problem(problem)
        }
        if order.status == "ready" { order = try await finalize(order, csr: csr) }
        let chain = try await downloadCertificate(order)
        guard chain.covers(names) else {
            throw .unexpectedResponse("the issued certificate does not name " + names.joined(separator: ", "))
        }
        log.info("certificate issued for \(names.joined(separator: ", ")), valid until \(CivilTime(chain.notAfter).description)")
        return chain
    }

    /// `obtainCertificate(for:csr:responder:)` with the CSR made for `certificateKey`
    /// (SwiftletX509's `CertificateSigningRequest`: the names in the SAN, the first as CN),
    /// checking that the certificate is for that key.
    public func obtainCertificate(for names: [String], certificateKey: P256.Signing.PrivateKey,
                                  responder: HTTP01Responder) async throws(ACMEError) -> ACMECertificateChain {
        guard !names.isEmpty else { throw .unsupported("no names to order") }
        let csr: CertificateSigningRequest
        do throws(X509Error) {
            csr = try CertificateSigningRequest(commonName: names[0], dnsNames: names, privateKey: certificateKey)
        } catch {
            throw .unsupported("a certificate request for \(names): \(error)")
        }
        let chain = try await obtainCertificate(for: names, csr: csr.der, responder: responder)
        guard chain.certifies(p256PublicKey: certificateKey.publicKey.x963Representation) else {
            throw .unexpectedResponse("the issued certificate is for another key")
        }
        return chain
    }

    // MARK: Requests

    /// Fetches `url` with POST-as-GET until `isDone` holds for its `status`, waiting as
    /// `Retry-After` says (clamped) or the default interval, at most `maxPollAttempts` times.
    func poll(_ url: String, what: String, isDone: (String) -> Bool) async throws(ACMEError) -> (JSONValue, ACMEHTTPResponse) {
        var status = "?"
        for attempt in 0..<max(configuration.maxPollAttempts, 1) {
            let response = try await post(url, payload: nil)
            guard response.status == 200 else { throw failure(response, what) }
            let body = try json(response)
            guard let current = body["status"]?.string else { throw .unexpectedResponse(what + " has no status") }
            if isDone(current) { return (body, response) }
            status = current
            let wait = min(ACMEClient.retryAfter(response.headers["Retry-After"], now: wallClock?()) ?? configuration.defaultPollInterval,
                           configuration.maxPollInterval)
            log.debug("\(what) is \(current) (poll \(attempt + 1)); next in \(wait.components.seconds) s")
            await time.sleep(for: wait)
        }
        throw .timedOut("\(what) still \(status) after \(configuration.maxPollAttempts) polls")
    }

    /// A `Retry-After` (RFC 9110 section 10.2.3): delay-seconds, or an HTTP-date when `now` is
    /// known (a date in the past is no wait); `nil` for anything else (the caller's default wait).
    static func retryAfter(_ value: String?, now: WallClockTime? = nil) -> Duration? {
        guard let value, !value.isEmpty else { return nil }
        if value.utf8.count <= 9, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
           let seconds = Int(value) {
            return .seconds(seconds)
        }
        guard let now, let date = HTTPDate.parse(value) else { return nil }
        return .seconds(max(date.secondsSinceEpoch - now.secondsSinceEpoch, 0))
    }

    /// A JWS-signed POST of `payload` (`nil`: POST-as-GET) to `url`, signed with the `kid` of
    /// the account or, with `signedWithKey`, the account key's `jwk`. Any answer of 400 or
    /// more is thrown as the CA's problem, after `maxBadNonceRetries` retries on `badNonce`; problems other than
    /// `expected` are logged.
    func post(_ url: String, payload: JSONValue?, accept: String? = nil, signedWithKey: Bool = false,
              expected: String? = nil) async throws(ACMEError) -> ACMEHTTPResponse {
        var retries = 0
        while true {
            let nonce = try await freshNonce()
            var keyID: String?
            if !signedWithKey {
                guard let account else { throw .unsupported("no account: call findOrCreateAccount first") }
                keyID = account.url
            }
            let jws = JWS.sign(payload: payload.map { JSONWriter.bytes($0) }, url: url, nonce: nonce,
                               key: accountKey, keyID: keyID)
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/jose+json")
            if let accept { headers.add("Accept", accept) }
            let response = try await send(ACMEHTTPRequest(method: .post, url: url, headers: headers, body: JSONWriter.bytes(jws)))
            guard response.status >= 400 else { return response }
            let problem = ACMEClient.problem(in: response)
            if problem.isACMEError("badNonce"), retries < configuration.maxBadNonceRetries {
                retries += 1
                badNonceRetries += 1
                log.debug("badNonce from \(url); retrying with the nonce it carried")
                continue
            }
            if let expected, problem.isACMEError(expected) {
                log.debug("\(url): \(problem.description)")
            } else {
                log.error("\(url): \(problem.description)")
            }
            throw .problem(problem)
        }
    }

    /// The nonce the last response carried, or a new one from newNonce. Each is used once.
    private func freshNonce() async throws(ACMEError) -> String {
        if let nonce {
            self.nonce = nil
            return nonce
        }
        let directory = try await fetchDirectory()
        let response = try await send(ACMEHTTPRequest(method: .head, url: directory.newNonce))
        guard response.status == 200 || response.status == 204 else { throw failure(response, "newNonce") }
        guard let nonce else { throw .unexpectedResponse("newNonce gave no Replay-Nonce") }
        self.nonce = nil
        return nonce
    }

    /// Sends through the transport, keeping the response's `Replay-Nonce` (RFC 8555 section 6.5).
    private func send(_ request: ACMEHTTPRequest) async throws(ACMEError) -> ACMEHTTPResponse {
        var request = request
        request.headers.add("User-Agent", configuration.userAgent)
        let response = try await transport.send(request)
        if let value = response.headers["Replay-Nonce"], value.utf8.count <= 256, Base64URL.isAlphabet(value) {
            nonce = value
        }
        guard response.body.count <= configuration.maxResponseBytes else {
            throw .unexpectedResponse("response of \(response.body.count) bytes from " + request.url)
        }
        return response
    }

    private func json(_ response: ACMEHTTPResponse) throws(ACMEError) -> JSONValue {
        do {
            return try JSONReader(maxBytes: configuration.maxResponseBytes).read(response.body)
        } catch {
            throw .unexpectedResponse(error.description)
        }
    }

    /// The error of an answer that is not the one expected: the CA's problem if it sent one.
    private func failure(_ response: ACMEHTTPResponse, _ what: String) -> ACMEError {
        if response.status >= 400 {
            let problem = ACMEClient.problem(in: response)
            log.error("\(what): \(problem.description)")
            return .problem(problem)
        }
        return .unexpectedResponse("\(what): HTTP \(response.status)")
    }

    /// The problem document of an error response, or one made of its status.
    static func problem(in response: ACMEHTTPResponse) -> ACMEProblem {
        if let body = try? JSONReader().read(response.body), body["type"]?.string != nil {
            var problem = ACMEProblem(json: body)
            if problem.status == nil { problem.status = response.status }
            return problem
        }
        return ACMEProblem(type: "about:blank", detail: "HTTP \(response.status)", status: response.status)
    }
}
