import SwiftletDevices
import SwiftletRuntime

/// Serves the files of a read-only key-value store over HTTP, as a static web server does:
/// GET and HEAD, Content-Type from the extension, an ETag from the store's digest (so
/// revalidations get 304), `index.html` for folders, and a redirect from `/folder` to `/folder/`.
/// Files are streamed from the store in chunks, never loaded whole.
///
/// ```swift
/// let site = StaticFiles(store: kv)
/// router.get("/*path", site.handler)
/// ```
public struct StaticFiles<Store: KeyValueStoreReadOnly> {
    public let store: Store
    /// The folder of the store that is the site's root.
    public var root: KVKey
    /// Sent as Last-Modified for every file (a store has no dates; the build time fits a baked-in site).
    public var lastModified: WallClockTime?
    /// The file served for a folder.
    public var indexName = "index.html"
    /// Bytes read from the store at a time.
    public var chunkSize = 64 * 1024

    public init(store: Store, root: KVKey = .root, lastModified: WallClockTime? = nil) {
        self.store = store
        self.root = root
        self.lastModified = lastModified
    }

    /// The handler, for ``Router/get(_:_:)`` or ``HTTPServing/serve(port:handler:)``.
    public var handler: HTTPHandler {
        { request throws(HTTPError) in try await self.respond(to: request) }
    }

    /// The response to a GET or HEAD for the file at the request's path.
    public func respond(to request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        guard request.method == .get || request.method == .head else {
            var response = HTTPResponse.errorPage(.methodNotAllowed)
            response.headers.add("Allow", "GET, HEAD")
            return response
        }
        guard let segments = request.pathSegments else { throw HTTPError(.badRequest, "malformed path") }
        // `.` and `..` segments cannot name a key: they are refused, never resolved.
        guard let key = try? KVKey(segments: root.segments + segments) else {
            throw HTTPError(.notFound, "Nothing is at " + request.path + ".")
        }
        switch try await kind(of: key) {
        case .value:
            return try await file(key)
        case .dictionary:
            guard request.path.utf8.last == UInt8(ascii: "/") else {
                return .redirect(to: request.path + "/" + (request.query.map { "?" + $0 } ?? ""))
            }
            guard let index = try? key.appending(indexName), try await kind(of: index) == .value else {
                throw HTTPError(.notFound, "Nothing is at " + request.path + ".")
            }
            return try await file(index)
        case nil:
            throw HTTPError(.notFound, "Nothing is at " + request.path + ".")
        }
    }

    private func kind(of key: KVKey) async throws(HTTPError) -> KVEntryKind? {
        do { return try await store.exists(key) } catch { throw Self.failure(error) }
    }

    /// A response that streams the value under `key`.
    public func file(_ key: KVKey) async throws(HTTPError) -> HTTPResponse {
        let size: Int, digest: String
        do {
            size = try await store.size(key)
            digest = try await store.digest(key)
        } catch {
            throw Self.failure(error)
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", MIMEType.forFileName(key.segments.last ?? ""))
        headers.add("ETag", "\"" + digest + "\"")
        if let lastModified { headers.add("Last-Modified", HTTPDate.format(lastModified)) }
        let store = self.store, chunkSize = self.chunkSize
        return HTTPResponse(status: .ok, headers: headers, body: .stream(length: size) { writer throws(HTTPError) in
            var offset = 0
            while offset < size {
                let chunk: [UInt8]
                do throws(KVError) { chunk = try await store.get(key, offset: offset, length: min(chunkSize, size - offset)) } catch {
                    throw Self.failure(error)
                }
                guard !chunk.isEmpty else { throw HTTPError(.internalServerError, "\(key) ended early") }
                try await writer.write(chunk)
                offset += chunk.count
            }
        })
    }

    private static func failure(_ error: KVError) -> HTTPError {
        switch error {
        case .notFound(let key), .wrongKind(let key): HTTPError(.notFound, "Nothing is at " + key.description + ".")
        case .invalidKey: HTTPError(.notFound, "No such page.")
        default: HTTPError(.internalServerError, error.description)
        }
    }
}
