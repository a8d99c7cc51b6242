/// A problem document (RFC 7807) from the CA, as RFC 8555 section 6.7 uses them.
public struct ACMEProblem: Equatable, Sendable, CustomStringConvertible {
    /// The problem type, e.g. `urn:ietf:params:acme:error:badNonce`.
    public var type: String
    /// The CA's explanation, for people.
    public var detail: String
    /// The HTTP status the document names, if any.
    public var status: Int?
    /// The identifier a subproblem is about (its `value`), if any.
    public var identifier: String?
    /// Problems per identifier (RFC 8555 section 6.7.1).
    public var subproblems: [ACMEProblem]

    public init(type: String, detail: String, status: Int? = nil, identifier: String? = nil,
                subproblems: [ACMEProblem] = []) {
        self.type = type
        self.detail = detail
        self.status = status
        self.identifier = identifier
        self.subproblems = subproblems
    }

    /// The problem a JSON object describes; `about:blank` and an empty detail where it is silent.
    public init(json: JSONValue) {
        type = json["type"]?.string ?? "about:blank"
        detail = json["detail"]?.string ?? ""
        status = json["status"]?.int
        identifier = json["identifier"]?["value"]?.string
        subproblems = (json["subproblems"]?.array ?? []).prefix(16).map { ACMEProblem(json: $0) }
    }

    /// Whether `type` is the ACME error `name` (`badNonce`, `accountDoesNotExist`, ...).
    public func isACMEError(_ name: String) -> Bool {
        type == "urn:ietf:params:acme:error:" + name
    }

    /// The type and detail as the CA wrote them (control characters shown as `?`, so that one
    /// problem stays one log line), then the subproblems.
    public var description: String {
        var text = ACMEProblem.printable(type) + ": " + ACMEProblem.printable(detail)
        if let identifier { text = ACMEProblem.printable(identifier) + ": " + text }
        for subproblem in subproblems { text += "; " + subproblem.description }
        return text
    }

    static func printable(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
    }
}

/// Why an ACME operation failed.
public enum ACMEError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No response: the connection, TLS or HTTP failed.
    case transport(String)
    /// The CA answered with a problem document (or an object in state `invalid` carrying one).
    case problem(ACMEProblem)
    /// The CA's answer is not what RFC 8555 describes: a wrong status, a missing header, bad JSON.
    case unexpectedResponse(String)
    /// Polling gave up: the object was still not done after the configured bound.
    case timedOut(String)
    /// The caller asked for something the client cannot do (no http-01 challenge, a bad name).
    case unsupported(String)

    public var description: String {
        switch self {
        case .transport(let text): return "ACME transport: " + text
        case .problem(let problem): return "ACME CA problem: " + problem.description
        case .unexpectedResponse(let text): return "ACME unexpected response: " + text
        case .timedOut(let text): return "ACME timed out: " + text
        case .unsupported(let text): return "ACME unsupported: " + text
        }
    }
}
