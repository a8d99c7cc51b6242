import Testing
import SwiftletDevices
@testable import SwiftletHTTP

/// A read-only store of files held in memory, with folders implied by the paths.
struct MemoryStore: KeyValueStoreReadOnly {
    var files: [String: [UInt8]]

    func exists(_ key: KVKey) async throws(KVError) -> KVEntryKind? {
        if files[key.description] != nil { return .value }
        let prefix = key.segments.isEmpty ? "/" : key.description + "/"
        return files.keys.contains { $0.hasPrefix(prefix) } ? .dictionary : nil
    }

    func get(_ key: KVKey) async throws(KVError) -> [UInt8] {
        guard let value = files[key.description] else { throw .notFound(key) }
        return value
    }

    func get(_ key: KVKey, offset: Int, length: Int) async throws(KVError) -> [UInt8] {
        let value = try await get(key)
        guard offset >= 0, offset <= value.count else { throw .outOfRange(key) }
        return Array(value[offset..<min(value.count, offset + length)])
    }

    func size(_ key: KVKey) async throws(KVError) -> Int { try await get(key).count }

    func list(_ key: KVKey) async throws(KVError) -> [(name: String, kind: KVEntryKind)] { [] }

    func digest(_ key: KVKey) async throws(KVError) -> String { "d\(try await get(key).count)" }
}

@Suite struct StaticFilesTests {
    static let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let files = StaticFiles(store: MemoryStore(files: [
        "/index.html": Array("<h1>home</h1>".utf8),
        "/about/index.html": Array("about".utf8),
        "/css/site.css": Array("body{}".utf8),
        "/images/big.png": StaticFilesTests.big,
        "/empty/readme.txt": Array("no index here".utf8),
    ]), lastModified: WallClockTime(secondsSinceEpoch: 784_111_777))

    /// The response's body, running its producer if it streams.
    func body(_ response: HTTPResponse) async throws -> [UInt8] {
        switch response.body {
        case .bytes(let bytes): return bytes
        case .stream(let length, let producer):
            var collected: [UInt8] = []
            try await producer(HTTPBodyWriter { bytes throws(HTTPError) in collected += bytes })
            #expect(length == nil || length == collected.count)
            return collected
        }
    }

    func get(_ path: String) async throws(HTTPError) -> HTTPResponse {
        try await files.respond(to: HTTPRequest(method: .get, target: path))
    }

    @Test func servesFilesWithTypesTagsAndDates() async throws {
        let page = try await get("/css/site.css")
        #expect(try await body(page) == Array("body{}".utf8))
        #expect(page.headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(page.headers["ETag"] == "\"d6\"")
        #expect(page.headers["Last-Modified"] == "Sun, 06 Nov 1994 08:49:37 GMT")
        let image = try await get("/images/big.png")
        #expect(image.body.length == Self.big.count)
        #expect(try await body(image) == Self.big)
    }

    @Test func foldersServeTheirIndexAfterARedirectToTheSlash() async throws {
        #expect(try await body(try await get("/")) == Array("<h1>home</h1>".utf8))
        let redirect = try await get("/about?x=1")
        #expect(redirect.status == .movedPermanently)
        #expect(redirect.headers["Location"] == "/about/?x=1")
        #expect(try await body(try await get("/about/")) == Array("about".utf8))
        await #expect(throws: HTTPError(.notFound, "Nothing is at /empty/.")) { try await get("/empty/") }
    }

    @Test func pathsThatLeaveTheRootOrAreMalformedFindNothing() async throws {
        for path in ["/../index.html", "/about/../index.html", "/%2e%2e/index.html", "/nothing", "/index.html/more"] {
            await #expect(throws: HTTPError.self, "\(path)") { try await get(path) }
        }
        await #expect(throws: HTTPError.self) { try await get("/a%00b") }
        let post = try await files.respond(to: HTTPRequest(method: .post, target: "/index.html"))
        #expect(post.status == .methodNotAllowed)
    }
}
