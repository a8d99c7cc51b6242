import SwiftletACME
import SwiftletDevices
import SwiftletHTTP

/// A scripted ACME CA in memory, shaped like pebble's answers (its URLs, statuses, headers,
/// problem documents), to drive the client's state machine in unit tests. It checks every JWS
/// header the way a CA must (nonce used once, `url` the request's, `jwk` only for newAccount,
/// `kid` a known account) and "validates" HTTP-01 by asking the responder for the token's path.
final class FakeCA: ACMETransport {
    static let base = "https://localhost:14000"
    static let directoryURL = base + "/dir"

    // Script knobs.
    /// POSTs (counted from 1) answered with badNonce whatever their nonce.
    var rejectNoncesOnPosts: Set<Int> = []
    /// Polls of a processing authorization or order before it is decided.
    var pollsBeforeDecision = 2
    /// The Retry-After sent while an object is not decided (nil: none).
    var retryAfter: String? = "3"
    /// Names newOrder refuses with rejectedIdentifier.
    var rejectedNames: Set<String> = []
    /// Whether new orders get authorizations that are already valid (pebble reuses half).
    var reuseAuthorizations = false
    /// Whether validation ignores what the responder serves and fails.
    var failValidation = false
    /// Checks the JWS signature of each POST (nil: none checked).
    var verifySignature: ((_ jwk: JSONObject, _ signingInput: [UInt8], _ signature: [UInt8]) -> Bool)?

    // What happened.
    private(set) var requests: [ACMEHTTPRequest] = []
    private(set) var posts = 0
    private(set) var payloads: [(url: String, payload: JSONValue?)] = []
    private(set) var validations: [(token: String, served: String?)] = []
    private(set) var issuedCertificates = 0

    /// The responder the CA's validator reaches (the unikernel's port 80).
    var responder: HTTP01Responder?

    private var nonceCounter = 0
    private var validNonces: Set<String> = []
    private var accounts: [String: (url: String, contact: [String])] = [:]  // thumbprint -> account
    private var orders: [String: Order] = [:]
    private var authorizations: [String: Authorization] = [:]
    private var nextID = 0

    private struct Order {
        var names: [String]
        var authorizations: [String]
        var status = "pending"
        var polls = 0
        var csr: [UInt8]?
    }

    private struct Authorization {
        var name: String
        var token: String
        var status = "pending"
        var challengeStatus = "pending"
        var polls = 0
        var error: JSONValue?
        var account: String
    }

    func send(_ request: ACMEHTTPRequest) async throws(ACMEError) -> ACMEHTTPResponse {
        requests.append(request)
        guard request.url.utf8.starts(with: FakeCA.base.utf8) else { throw .transport("unknown host in " + request.url) }
        let path = String(request.url.dropFirst(FakeCA.base.count))
        if request.method == .get, path == "/dir" {
            // Like Let's Encrypt: no nonce with the directory, so the client must HEAD newNonce.
            return ACMEHTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]),
                                    body: JSONWriter.bytes(directory))
        }
        if request.method == .head, path == "/nonce-plz" { return ACMEHTTPResponse(status: 200, headers: headers()) }
        guard request.method == .post else { return problem(405, "malformed", "Method not allowed") }
        posts += 1
        return handlePost(path: path, request: request)
    }

    private var directory: JSONValue {
        [
            "keyChange": .string(FakeCA.base + "/rollover-account-key"),
            "meta": ["externalAccountRequired": false, "termsOfService": "data:text/plain,Do%20what%20thou%20wilt"],
            "newAccount": .string(FakeCA.base + "/sign-me-up"),
            "newNonce": .string(FakeCA.base + "/nonce-plz"),
            "newOrder": .string(FakeCA.base + "/order-plz"),
            "revokeCert": .string(FakeCA.base + "/revoke-cert"),
        ]
    }

    private func handlePost(path: String, request: ACMEHTTPRequest) -> ACMEHTTPResponse {
        guard request.headers["Content-Type"] == "application/jose+json" else {
            return problem(415, "malformed", "Invalid Content-Type header on POST. Content-Type must be \"application/jose+json\"")
        }
        guard let body = try? JSONReader().read(request.body), let protectedText = body["protected"]?.string,
              let payloadText = body["payload"]?.string, let signatureText = body["signature"]?.string,
              let protectedBytes = Base64URL.decode(protectedText), let header = try? JSONReader().read(protectedBytes),
              let payloadBytes = Base64URL.decode(payloadText), let signature = Base64URL.decode(signatureText)
        else { return problem(400, "malformed", "Parse error reading JWS") }
        guard header["alg"]?.string == "ES256" else { return problem(400, "badSignatureAlgorithm", "JWS uses an unsupported algorithm") }
        guard let nonce = header["nonce"]?.string, validNonces.remove(nonce) != nil, !rejectNoncesOnPosts.contains(posts) else {
            return problem(400, "badNonce", "JWS has an invalid anti-replay nonce: \"\(header["nonce"]?.string ?? "")\"")
        }
        guard header["url"]?.string == request.url else { return problem(400, "unauthorized", "JWS header parameter 'url' incorrect.") }
        let payload: JSONValue? = payloadBytes.isEmpty ? nil : (try? JSONReader().read(payloadBytes))
        if !payloadBytes.isEmpty, payload == nil { return problem(400, "malformed", "Payload is not JSON") }
        payloads.append((request.url, payload))

        // Exactly one of jwk (newAccount) and kid (everything else).
        let jwk = header["jwk"]?.object
        let kid = header["kid"]?.string
        guard (jwk == nil) != (kid == nil) else { return problem(400, "malformed", "jwk and kid header fields are mutually exclusive") }
        let signingKey: JSONObject?
        if let jwk { signingKey = jwk } else { signingKey = accountKey(url: kid!) }
        guard let signingKey else { return problem(400, "accountDoesNotExist", "Account \(kid!) not found.") }
        if let verifySignature {
            let input = Array(protectedText.utf8) + [UInt8(ascii: ".")] + Array(payloadText.utf8)
            guard verifySignature(signingKey, input, signature) else { return problem(400, "malformed", "JWS verification error") }
        }
        if path == "/sign-me-up" {
            guard let jwk else { return problem(400, "malformed", "newAccount needs a JWK") }
            return newAccount(jwk: jwk, payload: payload)
        }
        guard let kid, jwk == nil else { return problem(400, "malformed", "No Key ID in JWS header") }
        if path == "/order-plz" { return newOrder(payload: payload, account: kid) }
        let segments = path.split(separator: "/").map(String.init)
        guard segments.count == 2 else { return problem(404, "malformed", "Not found") }
        let id = segments[1]
        switch segments[0] {
        case "my-order": return order(id: id)
        case "authZ": return authorization(id: id)
        case "chalZ": return challenge(id: id, payload: payload)
        case "finalize-order": return finalize(id: id, payload: payload)
        case "certZ": return certificate(id: id, request: request)
        default: return problem(404, "malformed", "Not found")
        }
    }

    private func accountKey(url: String) -> JSONObject? {
        for (thumbprint, account) in accounts where account.url == url { return keys[thumbprint] }
        return nil
    }

    private var keys: [String: JSONObject] = [:]

    private func newAccount(jwk: JSONObject, payload: JSONValue?) -> ACMEHTTPResponse {
        let thumbprint = JWK.thumbprint(jwk) ?? ""
        if let existing = accounts[thumbprint] {
            var headers = headers()
            headers.add("Location", existing.url)
            return json(200, ["status": "valid", "contact": .array(existing.contact.map { .string($0) })], headers)
        }
        if payload?["onlyReturnExisting"]?.bool == true {
            return problem(400, "accountDoesNotExist", "unable to find existing account for only-return-existing request")
        }
        guard payload?["termsOfServiceAgreed"]?.bool == true else {
            return problem(403, "agreementRequired", "Provided account did not agree to the terms of service")
        }
        let contact = (payload?["contact"]?.array ?? []).compactMap { $0.string }
        for address in contact where !address.hasPrefix("mailto:") {
            return problem(400, "unsupportedContact", "contact method \"\(address)\" is not supported")
        }
        let url = FakeCA.base + "/my-account/" + newID()
        accounts[thumbprint] = (url, contact)
        keys[thumbprint] = jwk
        var headers = headers()
        headers.add("Location", url)
        return json(201, ["status": "valid", "contact": .array(contact.map { .string($0) }),
                          "orders": .string(url + "/orders")], headers)
    }

    private func newOrder(payload: JSONValue?, account: String) -> ACMEHTTPResponse {
        let names = (payload?["identifiers"]?.array ?? []).compactMap { $0["type"]?.string == "dns" ? $0["value"]?.string : nil }
        guard !names.isEmpty else { return problem(400, "malformed", "Order included no identifiers") }
        for name in names where rejectedNames.contains(name) {
            return problem(400, "rejectedIdentifier", "Order included disallowed identifier \"\(name)\"")
        }
        let id = newID()
        var authorizationURLs: [String] = []
        for name in names {
            let authorizationID = newID()
            var authorization = Authorization(name: name, token: "tok_" + authorizationID + "-Zz9", account: account)
            if reuseAuthorizations { (authorization.status, authorization.challengeStatus) = ("valid", "valid") }
            authorizations[authorizationID] = authorization
            authorizationURLs.append(FakeCA.base + "/authZ/" + authorizationID)
        }
        orders[id] = Order(names: names, authorizations: authorizationURLs, status: reuseAuthorizations ? "ready" : "pending")
        var headers = headers()
        headers.add("Location", FakeCA.base + "/my-order/" + id)
        return json(201, orderJSON(id), headers)
    }

    private func orderJSON(_ id: String) -> JSONValue {
        let order = orders[id]!
        var object: JSONObject = JSONObject([
            .init("status", .string(order.status)),
            .init("expires", "2026-12-05T20:00:00Z"),
            .init("identifiers", .array(order.names.map { ["type": "dns", "value": .string($0)] })),
            .init("finalize", .string(FakeCA.base + "/finalize-order/" + id)),
            .init("authorizations", .array(order.authorizations.map { .string($0) })),
        ])
        if order.status == "valid" { object["certificate"] = .string(FakeCA.base + "/certZ/" + id) }
        return .object(object)
    }

    private func order(id: String) -> ACMEHTTPResponse {
        guard var order = orders[id] else { return problem(404, "malformed", "No order for ID \"\(id)\"") }
        let allValid = order.authorizations.allSatisfy { url in
            authorizations[String(url.split(separator: "/").last!)]?.status == "valid"
        }
        if order.status == "pending", allValid { order.status = "ready" }
        if order.status == "processing" {
            order.polls += 1
            if order.polls > pollsBeforeDecision {
                order.status = "valid"
                issuedCertificates += 1
            }
        }
        orders[id] = order
        return json(200, orderJSON(id), headers(retry: order.status == "processing"))
    }

    private func authorizationJSON(_ id: String) -> JSONValue {
        let authorization = authorizations[id]!
        var http: JSONObject = JSONObject([
            .init("type", "http-01"), .init("url", .string(FakeCA.base + "/chalZ/" + id)),
            .init("token", .string(authorization.token)), .init("status", .string(authorization.challengeStatus)),
        ])
        if let error = authorization.error { http["error"] = error }
        return [
            "status": .string(authorization.status),
            "identifier": ["type": "dns", "value": .string(authorization.name)],
            "challenges": [
                ["type": "dns-01", "url": .string(FakeCA.base + "/chalZ/" + id + "-dns"), "token": "dnsTOKEN", "status": "pending"],
                .object(http),
                ["type": "tls-alpn-01", "url": .string(FakeCA.base + "/chalZ/" + id + "-alpn"), "token": "alpnTOKEN", "status": "pending"],
            ],
            "expires": "2026-12-05T20:00:00Z",
        ]
    }

    private func authorization(id: String) -> ACMEHTTPResponse {
        guard var authorization = authorizations[id] else { return problem(404, "malformed", "No such authorization") }
        if authorization.challengeStatus == "processing" {
            authorization.polls += 1
            if authorization.polls > pollsBeforeDecision { decide(&authorization) }
        }
        authorizations[id] = authorization
        return json(200, authorizationJSON(id), headers(retry: authorization.status == "pending"))
    }

    /// The validation: what the responder serves for the token's path must be token.thumbprint
    /// of the account's key.
    private func decide(_ authorization: inout Authorization) {
        let served = responder?.keyAuthorization(forPath: "/.well-known/acme-challenge/" + authorization.token)
        validations.append((authorization.token, served))
        let thumbprint = accountKey(url: authorization.account).flatMap { JWK.thumbprint($0) } ?? ""
        if !failValidation, served == authorization.token + "." + thumbprint {
            authorization.status = "valid"
            authorization.challengeStatus = "valid"
        } else {
            authorization.status = "invalid"
            authorization.challengeStatus = "invalid"
            authorization.error = [
                "type": "urn:ietf:params:acme:error:unauthorized",
                "detail": .string("The key authorization file from the server did not match this challenge. Expected \"\(authorization.token).\(thumbprint)\" (got \"\(served ?? "")\")"),
                "status": 403,
            ]
        }
    }

    private func challenge(id: String, payload: JSONValue?) -> ACMEHTTPResponse {
        guard var authorization = authorizations[id] else { return problem(404, "malformed", "No such challenge") }
        guard payload == .object(JSONObject()) else { return problem(400, "malformed", "challenge response must be {}") }
        if authorization.challengeStatus == "pending" { authorization.challengeStatus = "processing" }
        authorizations[id] = authorization
        var headers = headers()
        headers.add("Link", "<\(FakeCA.base)/authZ/\(id)>;rel=\"up\"")
        return json(200, ["type": "http-01", "url": .string(FakeCA.base + "/chalZ/" + id),
                          "token": .string(authorization.token), "status": .string(authorization.challengeStatus)], headers)
    }

    private func finalize(id: String, payload: JSONValue?) -> ACMEHTTPResponse {
        guard var order = orders[id] else { return problem(404, "malformed", "No order") }
        guard order.status == "ready" || (order.status == "pending" && order.authorizations.allSatisfy { url in
            authorizations[String(url.split(separator: "/").last!)]?.status == "valid" })
        else { return problem(403, "orderNotReady", "Order's status (\"\(order.status)\") is not acceptable for finalization") }
        guard let csrText = payload?["csr"]?.string, let csr = Base64URL.decode(csrText), !csr.isEmpty else {
            return problem(400, "badCSR", "Error parsing certificate request")
        }
        order.csr = csr
        order.status = "processing"
        orders[id] = order
        var headers = headers(retry: true)
        headers.add("Location", FakeCA.base + "/my-order/" + id)
        return json(200, orderJSON(id), headers)
    }

    /// What the CA issues: a certificate for example.org, a.example and b.example (P-256,
    /// 90 days from 2026-12-04 20:24:29 UTC) and a root, made once with openssl.
    static let chainPEM = """
-----BEGIN CERTIFICATE-----
MIIBsTCCAVagAwIBAgIUfqYGrAy3hGeHqVbSLB/NBCFWffMwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLZXhhbXBsZS5vcmcwHhcNMjYxMjA0MjAyNDI5WhcNMjcwMzA0
MjAyNDI5WjAWMRQwEgYDVQQDDAtleGFtcGxlLm9yZzBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABFBNe+iGi1Gz7O2J0EiBw9XpMv71c4blcr7Vy3MqDVoMVHTLu2p+
M9Br1rqGSaRuF9/b2EwPmqu7IfGPEuQOtwCjgYEwfzAdBgNVHQ4EFgQU0ZGSNh8m
7VcOy1Yy2IdamWrKK2wwHwYDVR0jBBgwFoAU0ZGSNh8m7VcOy1Yy2IdamWrKK2ww
DwYDVR0TAQH/BAUwAwEB/zAsBgNVHREEJTAjggtleGFtcGxlLm9yZ4IJYS5leGFt
cGxlggliLmV4YW1wbGUwCgYIKoZIzj0EAwIDSQAwRgIhAN95TLoeDUGyfejDeGB7
LNcfLNO22J8QjYTIOxFfxdRBAiEA/U12rY4c4/t9tqQ5nI+4+Aqr9Ul1drAulsnx
CgPSKJo=
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIIBhDCCASmgAwIBAgIUFn9PblSX5w3rP+mAle3lX+mDQFIwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMRmFrZSBDQSByb290MB4XDTI2MTIwNDIwMjQyOVoXDTM2MTIw
MTIwMjQyOVowFzEVMBMGA1UEAwwMRmFrZSBDQSByb290MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEIDQ8r/QZbRNVpMDGy/0+RSjPopYP7elywVkQOoWpJ7yPf46F
BCel7qaaqrRkcbo9ixwKwKc8zegIcetmnN2/J6NTMFEwHQYDVR0OBBYEFKvstBuo
wgzsJtg9nPM8j7x5oPP3MB8GA1UdIwQYMBaAFKvstBuowgzsJtg9nPM8j7x5oPP3
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAMA/MHr8R/ztv/BN
tTLGVXCShAWrNf8Zlr+Z81VjwAD/AiEAvPKpDhyEg1ynC8GZJDunYO8q3fzJwXrz
nT0iBvCqUuM=
-----END CERTIFICATE-----
"""

    private func certificate(id: String, request: ACMEHTTPRequest) -> ACMEHTTPResponse {
        guard orders[id]?.status == "valid" else { return problem(404, "malformed", "No such certificate") }
        var headers = headers()
        headers.add("Content-Type", "application/pem-certificate-chain; charset=utf-8")
        return ACMEHTTPResponse(status: 200, headers: headers, body: Array(FakeCA.chainPEM.utf8))
    }

    // Helpers.

    private func newID() -> String {
        nextID += 1
        return "id\(nextID)"
    }

    private func headers(retry: Bool = false) -> HTTPHeaders {
        var headers = HTTPHeaders()
        nonceCounter += 1
        let nonce = "n0nce-\(nonceCounter)_x"
        validNonces.insert(nonce)
        headers.add("Replay-Nonce", nonce)
        headers.add("Cache-Control", "public, max-age=0, no-cache")
        if retry, let retryAfter { headers.add("Retry-After", retryAfter) }
        return headers
    }

    private func json(_ status: Int, _ value: JSONValue, _ headers: HTTPHeaders? = nil) -> ACMEHTTPResponse {
        var headers = headers ?? self.headers()
        headers.add("Content-Type", "application/json; charset=utf-8")
        return ACMEHTTPResponse(status: status, headers: headers, body: JSONWriter.bytes(value))
    }

    private func problem(_ status: Int, _ type: String, _ detail: String) -> ACMEHTTPResponse {
        var headers = headers()
        headers.add("Content-Type", "application/problem+json; charset=utf-8")
        let body: JSONValue = ["type": .string("urn:ietf:params:acme:error:" + type), "detail": .string(detail), "status": .number(JSONNumber(status))]
        return ACMEHTTPResponse(status: status, headers: headers, body: JSONWriter.bytes(body))
    }
}

/// A time device that only records how long it was asked to sleep.
final class RecordingTime: TimeDevice {
    private(set) var sleeps: [Duration] = []
    func sleep(for duration: Duration) async { sleeps.append(duration) }
}
