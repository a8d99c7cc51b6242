import SwiftletRuntime

/// Ready-made middleware for ``Router/use(_:)``.
public enum Middleware {
    /// Logs one line per request at info level: method, target, status and response size.
    public static func logging(_ logger: Logger = Logger(source: "http")) -> HTTPMiddleware {
        { request, next throws(HTTPError) in
            do throws(HTTPError) {
                let response = try await next(request)
                if logger.isEnabled(.info) {
                    let size = response.body.length.map { " \($0) B" } ?? " (streamed)"
                    logger.info("\(request.method) \(request.target) \(response.status.code)\(size)")
                }
                return response
            } catch {
                logger.info("\(request.method) \(request.target) \(error.status.code)")
                throw error
            }
        }
    }

    /// Turns a thrown ``HTTPError`` into an HTML error page with its status, logging server
    /// errors (5xx) as errors; `page` makes the page.
    public static func errorPages(
        _ page: @escaping (HTTPStatus, String) -> HTTPResponse = { status, message in .errorPage(status, message: message) }
    ) -> HTTPMiddleware {
        { request, next throws(HTTPError) in
            do throws(HTTPError) {
                return try await next(request)
            } catch {
                if error.status.code >= 500 {
                    Logger(source: "http").error("\(request.method) \(request.target) failed: \(error)")
                }
                return page(error.status, error.message)
            }
        }
    }

    /// Gives successful GET and HEAD responses held in memory a strong ETag computed from their
    /// bytes, unless they have one, so clients can revalidate them and get 304 Not Modified.
    public static func entityTags() -> HTTPMiddleware {
        { request, next throws(HTTPError) in
            var response = try await next(request)
            guard request.method == .get || request.method == .head, response.status == .ok,
                  !response.headers.contains("ETag"), case .bytes(let bytes) = response.body else { return response }
            response.headers.add("ETag", ETag.strong(for: bytes))
            return response
        }
    }
}
