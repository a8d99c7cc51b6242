import Foundation
import SwiftletDevices
import SwiftletStorage
import SwiftletUnix
import Testing

/// `DirectStore` on a real folder: reads, ranges, listings, errors, ETags, and links that lead
/// outside the folder.
@Suite struct DirectStoreTests {
    /// A scratch folder: site/ (served) beside outside/ (not), with links between them.
    static func makeFolder() throws -> (base: URL, root: URL) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-direct-\(UUID().uuidString)")
        let root = base.appendingPathComponent("site")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("css"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("empty folder"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("café"), withIntermediateDirectories: true)
        try fm.createDirectory(at: base.appendingPathComponent("outside"), withIntermediateDirectories: true)
        try Data("<h1>hello</h1>\n".utf8).write(to: root.appendingPathComponent("index.html"))
        try Data().write(to: root.appendingPathComponent("css/empty"))
        try Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: root.appendingPathComponent("café/日本語 名前.bin"))
        try Data("secret\n".utf8).write(to: base.appendingPathComponent("outside/passwd"))
        // Inside links are followed; outside ones refused.
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("home.html").path, withDestinationPath: "index.html")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("leak").path, withDestinationPath: "../outside/passwd")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("leakdir").path, withDestinationPath: "../outside")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("absolute").path, withDestinationPath: "/etc/passwd")
        #expect(mkfifo(root.appendingPathComponent("fifo").path, 0o644) == 0)
        return (base, root)
    }

    @Test func readsValuesAndRangesInPlace() async throws {
        let (base, root) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = try DirectStore(root: root.path)
        let binary = try KVKey("/café/日本語 名前.bin")
        let expected = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(try await store.exists(.root) == .dictionary)
        #expect(try await store.exists(binary) == .value)
        #expect(try await store.size(binary) == 3000)
        #expect(try await store.get(binary) == expected)
        #expect(try await store.get(binary, offset: 2999, length: 100) == [expected[2999]])
        #expect(try await store.get(binary, offset: 3000, length: 100) == [])
        #expect(try await store.get(binary, offset: 1001, length: 7) == Array(expected[1001..<1008]))
        #expect(try await store.sha256Digest(of: binary) == SHA256.hash(expected).hex)
        #expect(try await store.get(KVKey("/css/empty")) == [])
        #expect(try await store.get(KVKey("/home.html")) == Array("<h1>hello</h1>\n".utf8))
        // Changes show at once: nothing is cached.
        try Data("<h1>bye</h1>\n".utf8).write(to: root.appendingPathComponent("index.html"))
        #expect(try await store.get(KVKey("/index.html")) == Array("<h1>bye</h1>\n".utf8))
    }

    @Test func listsChildrenSortedWithoutLinksLeadingOut() async throws {
        let (base, root) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = try DirectStore(root: root.path)
        let entries = try await store.list(.root)
        #expect(entries.map(\.name) == ["café", "css", "empty folder", "home.html", "index.html"])
        #expect(entries.map(\.kind) == [.dictionary, .dictionary, .dictionary, .value, .value])
        #expect(try await store.list(KVKey("/empty folder")).isEmpty)
    }

    @Test func refusesLinksLeadingOutsideTheFolder() async throws {
        let (base, root) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = try DirectStore(root: root.path)
        for path in ["/leak", "/leakdir/passwd", "/absolute"] {
            let key = try KVKey(path)
            await #expect(throws: KVError.storageFailure("\(path) is a symbolic link leading outside the store's folder")) {
                try await store.get(key)
            }
            await #expect(throws: KVError.self) { try await store.exists(key) }
        }
        await #expect(throws: KVError.self) { try await store.list(KVKey("/leakdir")) }
        #expect(throws: KVError.invalidKey("../outside/passwd")) { try KVKey("../outside/passwd") }
        // A FIFO is neither a file nor a folder: never opened (a read could block).
        await #expect(throws: KVError.self) { try await store.get(KVKey("/fifo")) }
    }

    @Test func errorsFollowTheProtocol() async throws {
        let (base, root) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = try DirectStore(root: root.path)
        let index = try KVKey("/index.html"), css = try KVKey("/css"), missing = try KVKey("/css/none")
        await #expect(throws: KVError.outOfRange(index)) { try await store.get(index, offset: 100, length: 1) }
        await #expect(throws: KVError.outOfRange(index)) { try await store.get(index, offset: -1, length: 1) }
        await #expect(throws: KVError.wrongKind(css)) { try await store.get(css) }
        await #expect(throws: KVError.wrongKind(css)) { try await store.digest(css) }
        await #expect(throws: KVError.wrongKind(index)) { try await store.list(index) }
        await #expect(throws: KVError.notFound(missing)) { try await store.get(missing) }
        #expect(try await store.exists(missing) == nil)
        #expect(try await store.exists(KVKey("/index.html/below")) == nil)
        #expect(throws: KVError.self) { try DirectStore(root: root.appendingPathComponent("index.html").path) }
        #expect(throws: KVError.self) { try DirectStore(root: base.appendingPathComponent("none").path) }
    }

    @Test func digestIsAnETagThatChangesWithTheFile() async throws {
        let (base, root) = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = try DirectStore(root: root.path)
        let index = try KVKey("/index.html")
        let before = try await store.digest(index)
        #expect(before.wholeMatch(of: #/[0-9a-f]+-[0-9a-f]+-[0-9a-f]+/#) != nil, "\(before)")
        #expect(before.hasPrefix("f-"))  // 15 bytes
        #expect(try await store.digest(index) == before)
        try Data("<h1>changed!</h1>\n".utf8).write(to: root.appendingPathComponent("index.html"))
        #expect(try await store.digest(index) != before)
    }
}
