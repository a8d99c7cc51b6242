/// The CA's directory (RFC 8555 section 7.1.1): where each operation is.
public struct ACMEDirectory: Equatable, Sendable {
    public var newNonce: String
    public var newAccount: String
    public var newOrder: String
    public var revokeCert: String?
    public var keyChange: String?
    /// The terms of service the account agrees to, if the CA has any.
    public var termsOfService: String?
    /// Whether the CA wants external account binding (which this client does not do).
    public var externalAccountRequired: Bool

    public init(json: JSONValue) throws(ACMEError) {
        guard let newNonce = json["newNonce"]?.string, let newAccount = json["newAccount"]?.string,
              let newOrder = json["newOrder"]?.string
        else { throw .unexpectedResponse("directory lacks newNonce, newAccount or newOrder") }
        self.newNonce = newNonce
        self.newAccount = newAccount
        self.newOrder = newOrder
        revokeCert = json["revokeCert"]?.string
        keyChange = json["keyChange"]?.string
        termsOfService = json["meta"]?["termsOfService"]?.string
        externalAccountRequired = json["meta"]?["externalAccountRequired"]?.bool ?? false
    }
}

/// An account (RFC 8555 section 7.1.2); its URL is the `kid` of every later request.
public struct ACMEAccount: Equatable, Sendable {
    public var url: String
    /// `valid`, `deactivated` or `revoked`.
    public var status: String
    public var contact: [String]
    /// Whether this run created it (`false`: it already existed for this key).
    public var isNew: Bool
}

/// An order (RFC 8555 section 7.1.3).
public struct ACMEOrder: Equatable, Sendable {
    public var url: String
    /// `pending`, `ready`, `processing`, `valid` or `invalid`.
    public var status: String
    /// The DNS names ordered.
    public var identifiers: [String]
    public var authorizations: [String]
    public var finalize: String
    public var certificate: String?
    public var error: ACMEProblem?

    public init(json: JSONValue, url: String) throws(ACMEError) {
        guard let status = json["status"]?.string, let finalize = json["finalize"]?.string,
              let authorizations = json["authorizations"]?.array
        else { throw .unexpectedResponse("order lacks status, finalize or authorizations") }
        self.url = url
        self.status = status
        self.finalize = finalize
        self.authorizations = authorizations.compactMap { $0.string }
        identifiers = (json["identifiers"]?.array ?? []).compactMap { $0["value"]?.string }
        certificate = json["certificate"]?.string
        error = json["error"].map { ACMEProblem(json: $0) }
    }
}

/// An authorization (RFC 8555 section 7.1.4): the CA's question "do you control this name?".
public struct ACMEAuthorization: Equatable, Sendable {
    public var url: String
    /// `pending`, `valid`, `invalid`, `deactivated`, `expired` or `revoked`.
    public var status: String
    /// The DNS name.
    public var identifier: String
    public var challenges: [ACMEChallenge]

    public init(json: JSONValue, url: String) throws(ACMEError) {
        guard let status = json["status"]?.string, let identifier = json["identifier"]?["value"]?.string,
              let challenges = json["challenges"]?.array
        else { throw .unexpectedResponse("authorization lacks status, identifier or challenges") }
        self.url = url
        self.status = status
        self.identifier = identifier
        var parsed: [ACMEChallenge] = []
        for challenge in challenges.prefix(16) { parsed.append(try ACMEChallenge(json: challenge)) }
        self.challenges = parsed
    }
}

/// A challenge (RFC 8555 section 7.1.5, 8).
public struct ACMEChallenge: Equatable, Sendable {
    /// `http-01`, `dns-01`, `tls-alpn-01`, ...
    public var type: String
    public var url: String
    /// `pending`, `processing`, `valid` or `invalid`.
    public var status: String
    /// The token the key authorization is built from (not every challenge type has one).
    public var token: String?
    public var error: ACMEProblem?

    public init(json: JSONValue) throws(ACMEError) {
        guard let type = json["type"]?.string, let url = json["url"]?.string, let status = json["status"]?.string
        else { throw .unexpectedResponse("challenge lacks type, url or status") }
        self.type = type
        self.url = url
        self.status = status
        token = json["token"]?.string
        error = json["error"].map { ACMEProblem(json: $0) }
    }
}
