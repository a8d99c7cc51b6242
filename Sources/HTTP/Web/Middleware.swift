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
    /// A handler that answers with the same array each time (a page built once) has its tag
    /// computed once: the last few arrays and their tags are kept.
    public static func entityTags() -> HTTPMiddleware {
        let cache = EntityTagCache()
        return { request, next throws(HTTPError) in
            var response = try await next(request)
            guard request.method == .get || request.method == .head, response.status == .ok,
                  !response.headers.contains("ETag"), case .bytes(let bytes) = response.body else { return response }
            response.headers.add("ETag", cache.tag(for: bytes))
            return response
        }
    }
}

/// The tags of the last few bodies seen. A body is recognised by its array's storage: the
/// cache holds the arrays themselves, so their storage cannot be freed and reused by another.
final class EntityTagCache {
    private var entries: [(bytes: [UInt8], tag: String)] = []
    private var next = 0
    private let capacity = 8

    func tag(for bytes: [UInt8]) -> String {
        for entry in entries where entry.bytes.count == bytes.count && Self.sameStorage(entry.bytes, bytes) {
            return entry.tag
        }
        let tag = ETag.strong(for: bytes)
        // Only bodies worth hashing once are kept; a tiny one costs less to hash than to look up.
        guard bytes.count >= 256 else { return tag }
        if entries.count < capacity {
            entries.append((bytes, tag))
        } else {
            entries[next] = (bytes, tag)
            next = (next + 1) % capacity
        }
        return tag
    }

    private static func sameStorage(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
    }
}
