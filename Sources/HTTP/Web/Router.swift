/// Passes a request on, possibly changed, and may change the response: logging, error pages,
/// headers every response gets. `next` is the rest of the chain.
public typealias HTTPMiddleware = (HTTPRequest, HTTPHandler) async throws(HTTPError) -> HTTPResponse

/// Routes requests by method and path to handlers (the role Dream's router plays).
///
/// Patterns are paths whose segments may be `:name` (one segment, any value) or, last,
/// `*name` (the rest of the path); the handler reads them with ``HTTPRequest/parameter(_:)``,
/// percent-decoded. A GET route answers HEAD too. A path with routes for other methods only
/// gets 405 with an Allow header; a path with none gets the not-found handler (a 404 page).
///
/// ```swift
/// let router = Router()
/// router.get("/") { _ in .html("<h1>Hello</h1>") }
/// router.get("/echo/:word") { request in .text(request.parameter("word") ?? "") }
/// router.use(Middleware.logging())
/// try await server.serve(port: 8080, handler: router.handler)
/// ```
public final class Router {
    private struct Route {
        let method: HTTPMethod
        let pattern: [PatternSegment]
        let handler: HTTPHandler
    }

    private enum PatternSegment {
        case literal(String)
        case parameter(String)
        case rest(String)
    }

    private var routes: [Route] = []
    private var middleware: [HTTPMiddleware] = []
    /// Answers requests no route matches; a 404 page unless replaced.
    public var notFound: HTTPHandler = { request throws(HTTPError) in
        .errorPage(.notFound, message: "Nothing is at " + request.path + ".")
    }

    public init() {}

    /// Routes `method` requests for paths matching `pattern` to `handler`.
    public func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping HTTPHandler) {
        var segments: [PatternSegment] = []
        for raw in pattern.utf8.split(separator: UInt8(ascii: "/")) {
            let text = String(decoding: raw.dropFirst(), as: UTF8.self)
            switch raw.first {
            case UInt8(ascii: ":"): segments.append(.parameter(text))
            case UInt8(ascii: "*"): segments.append(.rest(text))
            default: segments.append(.literal(URLPath.decode(Array(raw), plusIsSpace: false) ?? String(decoding: raw, as: UTF8.self)))
            }
        }
        routes.append(Route(method: method, pattern: segments, handler: handler))
    }

    public func get(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.get, pattern, handler) }
    public func post(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.post, pattern, handler) }
    public func put(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.put, pattern, handler) }
    public func delete(_ pattern: String, _ handler: @escaping HTTPHandler) { add(.delete, pattern, handler) }

    /// Adds `middleware` around every request; the first added is the outermost.
    public func use(_ middleware: @escaping HTTPMiddleware) { self.middleware.append(middleware) }

    /// The router as one handler, middleware included, for ``HTTPServing/serve(port:handler:)``.
    public var handler: HTTPHandler {
        var chain: HTTPHandler = { request throws(HTTPError) in try await self.route(request) }
        for layer in middleware.reversed() {
            let next = chain
            chain = { request throws(HTTPError) in try await layer(request, next) }
        }
        return chain
    }

    /// Finds the route for `request` and runs its handler (no middleware).
    public func route(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        guard let segments = request.pathSegments else {
            throw HTTPError(.badRequest, "malformed percent-encoding in the path")
        }
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = match(route.pattern, segments) else { continue }
            if route.method == request.method || (request.method == .head && route.method == .get) {
                var request = request
                request.parameters = parameters
                return try await route.handler(request)
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        guard allowed.isEmpty else {
            if allowed.contains(.get) && !allowed.contains(.head) { allowed.append(.head) }
            var response = HTTPResponse.errorPage(.methodNotAllowed, message: request.method.rawValue + " is not allowed here.")
            response.headers.add("Allow", allowed.map { $0.rawValue }.joined(separator: ", "))
            return response
        }
        return try await notFound(request)
    }

    private func match(_ pattern: [PatternSegment], _ segments: [String]) -> [String: String]? {
        var parameters: [String: String] = [:]
        var index = 0
        for part in pattern {
            switch part {
            case .literal(let text):
                guard index < segments.count, segments[index] == text else { return nil }
            case .parameter(let name):
                guard index < segments.count else { return nil }
                parameters[name] = segments[index]
            case .rest(let name):
                parameters[name] = segments[index...].joined(separator: "/")
                return parameters
            }
            index += 1
        }
        return index == segments.count ? parameters : nil
    }
}
