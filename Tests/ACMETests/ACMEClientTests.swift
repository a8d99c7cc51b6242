@testable import SwiftletACME
import SwiftletDevices
import SwiftletHTTP
import SwiftletRuntime
import Testing

/// The client's state machine against the in-memory CA of FakeCA.swift.
@Suite(.serialized) struct ACMEClientTests {
    let ca = FakeCA()
    let time = RecordingTime()
    let responder = HTTP01Responder()

    init() {
        ca.responder = responder
        ca.verifySignature = TestKey.verify
    }

    func client(key: ES256Key = TestKey.make(1), configuration: ACMEClientConfiguration = ACMEClientConfiguration())
        -> ACMEClient<FakeCA, ES256Key, RecordingTime> {
        ACMEClient(directoryURL: FakeCA.directoryURL, transport: ca, accountKey: key, time: time, configuration: configuration)
    }

    @Test func obtainsACertificate() async throws {
        let client = client()
        let account = try await client.findOrCreateAccount(contact: ["mailto:admin@example.org"], termsOfServiceAgreed: true)
        #expect(account.isNew)
        #expect(account.url == FakeCA.base + "/my-account/id1")
        #expect(account.contact == ["mailto:admin@example.org"])
        let chain = try await client.obtainCertificate(for: ["example.org"], csr: [0x30, 0x03, 0x02, 0x01, 0x00], responder: responder)
        #expect(chain.pem == FakeCA.chainPEM)
        #expect(chain.certificates.count == 2)
        #expect(chain.leaf.extensions.dnsNames == ["example.org", "a.example", "b.example"])
        #expect(chain.notAfter.secondsSinceEpoch - chain.notBefore.secondsSinceEpoch == 90 * 86_400)
        #expect(ca.issuedCertificates == 1)

        // The validator got token.thumbprint from the responder, which forgot it afterwards.
        #expect(ca.validations.count == 1)
        #expect(ca.validations.first?.served == ca.validations.first!.token + "." + client.thumbprint)
        #expect(responder.tokens.isEmpty)

        // The order of requests RFC 8555 describes: directory, nonce, account lookup then creation,
        // order, authorization, challenge, polls, finalize, polls, certificate.
        let posts = ca.payloads.map { String($0.url.dropFirst(FakeCA.base.count)) }
        #expect(posts == ["/sign-me-up", "/sign-me-up", "/order-plz", "/authZ/id3", "/chalZ/id3",
                          "/authZ/id3", "/authZ/id3", "/authZ/id3", "/my-order/id2",
                          "/finalize-order/id2", "/my-order/id2", "/my-order/id2", "/my-order/id2", "/certZ/id2"])
        #expect(ca.payloads[0].payload == ["onlyReturnExisting": true])
        #expect(ca.payloads[1].payload == ["termsOfServiceAgreed": true, "contact": ["mailto:admin@example.org"]])
        #expect(ca.payloads[2].payload == ["identifiers": [["type": "dns", "value": "example.org"]]])
        #expect(ca.payloads[3].payload == nil)  // POST-as-GET
        #expect(ca.payloads[4].payload == .object(JSONObject()))
        #expect(ca.payloads[9].payload == ["csr": "MAMCAQA"])
        #expect(ca.requests.filter { $0.method == .head }.count == 1)  // every later nonce came with a response
        #expect(ca.requests.last?.headers["Accept"] == "application/pem-certificate-chain")
        #expect(ca.requests.allSatisfy { $0.headers["User-Agent"] == "Swiftlet-ACME/1" })

        // Two waits for the authorization and two for the order, as Retry-After said.
        #expect(time.sleeps == [.seconds(3), .seconds(3), .seconds(3), .seconds(3)])
    }

    @Test func findsTheAccountOfAKnownKey() async throws {
        let first = client(key: TestKey.make(7))
        let created = try await first.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        let postsBefore = ca.payloads.count
        let second = client(key: TestKey.make(7))
        let found = try await second.findOrCreateAccount(contact: ["mailto:other@example.org"], termsOfServiceAgreed: true)
        #expect(!found.isNew)
        #expect(found.url == created.url)
        #expect(ca.payloads.count == postsBefore + 1)  // onlyReturnExisting only, nothing created
        let third = try await client(key: TestKey.make(8)).findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        #expect(third.isNew && third.url != created.url)
    }

    @Test func termsNotAgreedIsTheCAsProblem() async {
        await #expect(throws: ACMEError.problem(ACMEProblem(
            type: "urn:ietf:params:acme:error:agreementRequired",
            detail: "Provided account did not agree to the terms of service", status: 403))) {
            try await client().findOrCreateAccount(contact: [], termsOfServiceAgreed: false)
        }
    }

    @Test func badNonceIsRetriedOnce() async throws {
        ca.rejectNoncesOnPosts = [3]  // the newOrder
        let client = client()
        try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        let chain = try await client.obtainCertificate(for: ["example.org"], csr: [1], responder: responder)
        #expect(chain.covers(["EXAMPLE.org"]))
        #expect(client.badNonceRetries == 1)
    }

    @Test func badNonceTwiceInARowFails() async throws {
        ca.rejectNoncesOnPosts = [3, 4]
        let client = client()
        try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        do {
            _ = try await client.newOrder(for: ["example.org"])
            Issue.record("newOrder succeeded")
        } catch {
            guard case .problem(let problem) = error else { Issue.record("\(error)"); return }
            #expect(problem.isACMEError("badNonce"))
            #expect(problem.status == 400)
        }
        #expect(client.badNonceRetries == 1)
        // The next request works again.
        #expect(try await client.newOrder(for: ["example.org"]).status == "pending")
    }

    @Test func moreBadNonceRetriesWhenConfigured() async throws {
        ca.rejectNoncesOnPosts = [3, 4, 5]
        var configuration = ACMEClientConfiguration()
        configuration.maxBadNonceRetries = 3
        let client = client(configuration: configuration)
        try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        #expect(try await client.newOrder(for: ["example.org"]).status == "pending")
        #expect(client.badNonceRetries == 3)
    }

    @Test func problemDocumentsAreLoggedAsTheCAWroteThem() async throws {
        ca.rejectedNames = ["bad.example"]
        let lines = LogCapture()
        let client = client()
        try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        let expected = ACMEProblem(type: "urn:ietf:params:acme:error:rejectedIdentifier",
                                   detail: "Order included disallowed identifier \"bad.example\"", status: 400)
        await lines.capture {
            await #expect(throws: ACMEError.problem(expected)) {
                try await client.obtainCertificate(for: ["bad.example"], csr: [1], responder: responder)
            }
        }
        #expect(lines.text.contains("urn:ietf:params:acme:error:rejectedIdentifier: Order included disallowed identifier \"bad.example\""))
        // accountDoesNotExist, expected during the lookup, is not an error line.
        #expect(!lines.text.contains("accountDoesNotExist"))
    }

    @Test func failedValidationGivesTheChallengeError() async throws {
        ca.failValidation = true
        let client = client()
        try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        do {
            _ = try await client.obtainCertificate(for: ["example.org"], csr: [1], responder: responder)
            Issue.record("issued")
        } catch {
            guard case .problem(let problem) = error else { Issue.record("\(error)"); return }
            #expect(problem.type == "urn:ietf:params:acme:error:unauthorized")
            #expect(problem.detail.hasPrefix("The key authorization file from the server did not match this challenge."))
            #expect(problem.status == 403)
        }
        #expect(ca.issuedCertificates == 0)
        #expect(responder.tokens.isEmpty)
    }

    @Test func pollingIsBoundedAndRetryAfterClamped() async throws {
        ca.pollsBeforeDecision = 1000
        ca.retryAfter = "3600"
        var configuration = ACMEClientConfiguration()
        configuration.maxPollAttempts = 5
        configuration.maxPollInterval = .seconds(20)
        let client = client(configuration: configuration)
        try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        await #expect(throws: ACMEError.timedOut("authorization for example.org still pending after 5 polls")) {
            try await client.obtainCertificate(for: ["example.org"], csr: [1], responder: responder)
        }
        #expect(time.sleeps == Array(repeating: .seconds(20), count: 5))
    }

    @Test func withoutRetryAfterTheDefaultIntervalIsUsed() async throws {
        ca.retryAfter = nil
        var configuration = ACMEClientConfiguration()
        configuration.defaultPollInterval = .milliseconds(1500)
        let client = client(configuration: configuration)
        try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        _ = try await client.obtainCertificate(for: ["a.example", "b.example"], csr: [1], responder: responder)
        #expect(ca.validations.count == 2)
        #expect(time.sleeps == Array(repeating: .milliseconds(1500), count: 6))
    }

    @Test func aCertificateForOtherNamesIsRefused() async throws {
        let client = client()
        try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        await #expect(throws: ACMEError.unexpectedResponse("the issued certificate does not name c.example")) {
            try await client.obtainCertificate(for: ["c.example"], csr: [1], responder: responder)
        }
    }

    @Test func aBadSignatureIsRefusedByTheCA() async throws {
        struct WrongKey: JWSSigningKey {
            let real = TestKey.make(3)
            var algorithm: String { "ES256" }
            var publicJWK: JSONObject { real.publicJWK }
            func signature(for signingInput: [UInt8]) -> [UInt8] { TestKey.make(4).signature(for: signingInput) }
        }
        let client = ACMEClient(directoryURL: FakeCA.directoryURL, transport: ca, accountKey: WrongKey(), time: time)
        await #expect(throws: ACMEError.problem(ACMEProblem(type: "urn:ietf:params:acme:error:malformed",
                                                            detail: "JWS verification error", status: 400))) {
            try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        }
    }

    @Test func reusedAuthorizationsNeedNoChallenge() async throws {
        ca.reuseAuthorizations = true
        let client = client()
        try await client.findOrCreateAccount(contact: [], termsOfServiceAgreed: true)
        let chain = try await client.obtainCertificate(for: ["example.org"], csr: [1], responder: responder)
        #expect(chain.covers(["example.org"]))
        #expect(ca.validations.isEmpty)
        #expect(!ca.payloads.contains { $0.url.contains("/chalZ/") })
    }

    @Test func anOrderNeedsAnAccount() async {
        await #expect(throws: ACMEError.unsupported("no account: call findOrCreateAccount first")) {
            try await client().obtainCertificate(for: ["example.org"], csr: [1], responder: responder)
        }
    }

    @Test func transportErrorsPassThrough() async {
        let client = ACMEClient(directoryURL: "https://elsewhere/dir", transport: ca, accountKey: TestKey.make(1), time: time)
        await #expect(throws: ACMEError.transport("unknown host in https://elsewhere/dir")) {
            try await client.fetchDirectory()
        }
    }
}

/// Collects log lines while `capture` runs (the suite is serialized: the hook is global).
final class LogCapture {
    private(set) var text = ""

    func capture(_ body: () async -> Void) async {
        let saved = Logging.write
        Logging.write = { [self] line in text += line }
        await body()
        Logging.write = saved
    }
}

@Suite struct RetryAfterTests {
    typealias Client = ACMEClient<FakeCA, ES256Key, RecordingTime>

    @Test func delaySecondsAndDates() {
        #expect(Client.retryAfter("3") == .seconds(3))
        #expect(Client.retryAfter("0") == .seconds(0))
        #expect(Client.retryAfter("120") == .seconds(120))
        #expect(Client.retryAfter(nil) == nil)
        #expect(Client.retryAfter("") == nil)
        #expect(Client.retryAfter("-1") == nil)
        #expect(Client.retryAfter("1.5") == nil)
        #expect(Client.retryAfter("9999999999") == nil)
        let date = "Fri, 04 Dec 2026 20:00:30 GMT"
        #expect(Client.retryAfter(date) == nil)  // no clock, no date
        let now = WallClockTime(secondsSinceEpoch: 1_796_414_400)  // 2026-12-04 20:00:00 UTC
        #expect(Client.retryAfter(date, now: now) == .seconds(30))
        #expect(Client.retryAfter("Fri, 04 Dec 2026 19:00:00 GMT", now: now) == .seconds(0))
        #expect(Client.retryAfter("soon", now: now) == nil)
    }
}
