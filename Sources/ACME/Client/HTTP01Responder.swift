import SwiftletHTTP

/// The key authorizations the unikernel's port-80 server answers HTTP-01 challenges with
/// (RFC 8555 section 8.3): `GET /.well-known/acme-challenge/TOKEN` gives the token's key
/// authorization while the ACME client has it published, and 404 otherwise.
///
/// ```swift
/// let responder = HTTP01Responder()
/// let router = Router()
/// responder.install(on: router)       // before routes that would match the path
/// // hand `responder` to ACMEClient.obtainCertificate(...)
/// ```
public final class HTTP01Responder {
    /// The path prefix of every challenge.
    public static let pathPrefix = "/.well-known/acme-challenge/"

    private var keyAuthorizations: [String: String] = [:]
    /// How many challenge requests were answered (for logs and tests).
    public private(set) var answered = 0

    public init() {}

    /// Publishes `keyAuthorization` for `token`.
    public func publish(token: String, keyAuthorization: String) {
        keyAuthorizations[token] = keyAuthorization
    }

    /// Stops answering for `token`.
    public func withdraw(token: String) {
        keyAuthorizations[token] = nil
    }

    /// The tokens published now.
    public var tokens: [String] { keyAuthorizations.keys.sorted() }

    /// The key authorization to serve for `path`, if it is a challenge path of a published token.
    public func keyAuthorization(forPath path: String) -> String? {
        guard path.utf8.starts(with: HTTP01Responder.pathPrefix.utf8) else { return nil }
        let token = String(decoding: path.utf8.dropFirst(HTTP01Responder.pathPrefix.utf8.count), as: UTF8.self)
        return keyAuthorizations[token]
    }

    /// The response to `request`: the key authorization, or 404.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard let keyAuthorization = keyAuthorization(forPath: request.path) else {
            return .errorPage(.notFound, message: "No such challenge.")
        }
        answered += 1
        return .bytes(Array(keyAuthorization.utf8), contentType: "application/octet-stream")
    }

    /// Adds the route `GET /.well-known/acme-challenge/:token` to `router`.
    public func install(on router: Router) {
        router.get(HTTP01Responder.pathPrefix + ":token") { [self] request throws(HTTPError) in
            respond(to: request)
        }
    }
}
