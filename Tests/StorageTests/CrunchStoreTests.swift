import Foundation
import SwiftletDevices
import SwiftletStorage
import Testing

/// The crunch image format and `CrunchStore`, on images made here by a small encoder written
/// from the format's description (the tool's writer is checked against the reader in
/// `Tests/ToolTests/KeyValueStoreTests.swift`).
@Suite struct CrunchStoreTests {
    struct Item {
        var path: [String]
        var content: [UInt8]? = nil  // nil: a folder
    }

    /// Encodes `items` (any order; parents must be listed) as a crunch image.
    static func encode(_ items: [Item]) -> [UInt8] {
        func precedes(_ a: [String], _ b: [String]) -> Bool {
            for (x, y) in zip(a, b) where x != y { return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) }
            return a.count < b.count
        }
        let sorted = [Item(path: [])] + items.sorted { precedes($0.path, $1.path) }
        var ends = [Int](repeating: 0, count: sorted.count)
        for (index, item) in sorted.enumerated() {
            var end = index + 1
            if item.content == nil {
                while end < sorted.count && sorted[end].path.count > item.path.count
                        && Array(sorted[end].path.prefix(item.path.count)) == item.path { end += 1 }
            }
            ends[index] = end
        }
        var names: [UInt8] = [], data: [UInt8] = [], index: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
            withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
        }
        for (number, item) in sorted.enumerated() {
            let name = Array(item.path.joined(separator: "/").utf8)
            append(UInt32(names.count), to: &index)
            append(UInt32(name.count), to: &index)
            names += name
            append(UInt32(item.content == nil ? 1 : 0), to: &index)
            append(UInt32(ends[number]), to: &index)
            while data.count % 16 != 0 { data.append(0) }
            append(UInt64(item.content == nil ? 0 : data.count), to: &index)
            append(UInt64(item.content?.count ?? 0), to: &index)
            index += item.content.map { SHA256.hash($0).bytes } ?? [UInt8](repeating: 0, count: 32)
            data += item.content ?? []
        }
        let namesOffset = 48 + index.count
        var dataOffset = namesOffset + names.count
        while dataOffset % 16 != 0 { dataOffset += 1 }
        var image = Array("SWCRUNCH".utf8)
        append(UInt32(1), to: &image)
        append(UInt32(sorted.count), to: &image)
        append(UInt64(namesOffset), to: &image)
        append(UInt64(names.count), to: &image)
        append(UInt64(dataOffset), to: &image)
        append(UInt64(data.count), to: &image)
        image += index + names
        image += [UInt8](repeating: 0, count: dataOffset - image.count)
        return image + data
    }

    static let sample: [Item] = [
        Item(path: ["index.html"], content: Array("<h1>hello</h1>\n".utf8)),
        Item(path: ["css"]),
        Item(path: ["css", "site.css"], content: Array("body {}\n".utf8)),
        Item(path: ["css", "empty"], content: []),
        Item(path: ["css-old"]),  // "-" sorts below "/": css-old must come after all of css/
        Item(path: ["css-old", "a b.css"], content: [1, 2, 3]),
        Item(path: ["empty folder"]),
        Item(path: ["café"]),
        Item(path: ["café", "日本語 名前.txt"], content: Array(repeating: 7, count: 5000)),
        Item(path: ["z"], content: Array(0..<200).map { UInt8($0) }),
    ]

    /// Runs `body` with a store over `bytes`.
    static func withStore<T>(_ bytes: [UInt8], _ body: (CrunchStore) async throws -> T) async throws -> T {
        let pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        defer { pointer.deallocate() }
        bytes.withUnsafeBytes { if $0.count > 0 { pointer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        let store = try CrunchStore(image: UnsafeRawBufferPointer(rebasing: pointer[0..<bytes.count]))
        return try await body(store)
    }

    @Test func listsFoldersInByteOrderWithEmptyFoldersKept() async throws {
        try await Self.withStore(Self.encode(Self.sample)) { store in
            #expect(try await store.exists(.root) == .dictionary)
            let root = try await store.list(.root)
            #expect(root.map(\.name) == ["café", "css", "css-old", "empty folder", "index.html", "z"])
            #expect(root.map(\.kind) == [.dictionary, .dictionary, .dictionary, .dictionary, .value, .value])
            #expect(try await store.list(KVKey("/css")).map(\.name) == ["empty", "site.css"])
            #expect(try await store.list(KVKey("/empty folder")).isEmpty)
            #expect(try await store.list(KVKey("/café")).map(\.name) == ["日本語 名前.txt"])
        }
    }

    @Test func readsValuesRangesSizesAndDigests() async throws {
        try await Self.withStore(Self.encode(Self.sample)) { store in
            let key = try KVKey("/café/日本語 名前.txt")
            #expect(try await store.exists(key) == .value)
            #expect(try await store.size(key) == 5000)
            #expect(try await store.get(key) == Array(repeating: 7, count: 5000))
            let z = try KVKey("/z")
            #expect(try await store.get(z, offset: 199, length: 10) == [199])
            #expect(try await store.get(z, offset: 200, length: 10) == [])
            #expect(try await store.get(z, offset: 13, length: 3) == [13, 14, 15])
            #expect(try await store.get(KVKey("/css/empty")) == [])
            #expect(try await store.digest(z) == SHA256.hash(Array(0..<200).map { UInt8($0) }).hex)
            #expect(try await store.digest(z) == (try await store.sha256Digest(of: z)))
            #expect(try await store.get(KVKey("css-old/a b.css")) == [1, 2, 3])
            // The zero-copy view is the same bytes.
            #expect(Array(try store.bytes(z)) == Array(0..<200).map { UInt8($0) })
        }
    }

    @Test func reportsErrorsAsTheProtocolSays() async throws {
        try await Self.withStore(Self.encode(Self.sample)) { store in
            let z = try KVKey("/z"), css = try KVKey("/css"), missing = try KVKey("/css/missing")
            await #expect(throws: KVError.outOfRange(z)) { try await store.get(z, offset: 201, length: 1) }
            await #expect(throws: KVError.outOfRange(z)) { try await store.get(z, offset: -1, length: 1) }
            await #expect(throws: KVError.outOfRange(z)) { try await store.get(z, offset: 0, length: -1) }
            await #expect(throws: KVError.wrongKind(css)) { try await store.get(css) }
            await #expect(throws: KVError.wrongKind(css)) { try await store.size(css) }
            await #expect(throws: KVError.wrongKind(css)) { try await store.digest(css) }
            await #expect(throws: KVError.wrongKind(z)) { try await store.list(z) }
            await #expect(throws: KVError.notFound(missing)) { try await store.get(missing) }
            await #expect(throws: KVError.notFound(missing)) { try await store.list(missing) }
            #expect(try await store.exists(missing) == nil)
            #expect(try await store.exists(KVKey("/cs")) == nil)
            #expect(throws: KVError.invalidKey("../etc/passwd")) { try KVKey("../etc/passwd") }
        }
    }

    @Test func findsEveryEntryOfALargeImage() async throws {
        var items: [Item] = []
        for folder in 0..<20 {
            items.append(Item(path: ["d\(folder)"]))
            for file in 0..<100 { items.append(Item(path: ["d\(folder)", "f \(file).txt"], content: Array("\(folder)/\(file)".utf8))) }
        }
        try await Self.withStore(Self.encode(items)) { store in
            for item in items {
                let key = try KVKey(segments: item.path)
                if let content = item.content {
                    #expect(try await store.get(key) == content)
                } else {
                    #expect(try await store.list(key).count == 100)
                }
            }
        }
    }

    @Test func malformedHeadersAreRefusedWithAReason() async throws {
        let good = Self.encode(Self.sample)
        func failure(_ bytes: [UInt8]) async -> String? {
            do {
                _ = try await Self.withStore(bytes) { _ in 0 }
                return nil
            } catch let error as KVError {
                if case .storageFailure(let text) = error { return text }
                return "\(error)"
            } catch { return "\(error)" }
        }
        #expect(await failure(Array(good.prefix(20))) == "crunch image: the image is 20 bytes, shorter than its header")
        var magic = good
        magic[0] = 0
        #expect(await failure(magic) == "crunch image: no crunch image here (bad magic)")
        var version = good
        version[8] = 2
        #expect(await failure(version) == "crunch image: version 2 is not understood (expected 1)")
        #expect(await failure(Array(good.prefix(good.count - 1)))?.contains("data area lies outside") == true)
        var order = good
        // Swap the name lengths of two entries: paths no longer in order or no longer inside their folder.
        order[48 + 64 + 4] = 0xff
        #expect(await failure(order)?.contains("entry 1") == true)
    }

    /// Thousands of damaged images: each opens or fails cleanly, and every operation on the ones
    /// that open returns or throws.
    @Test func corruptedImagesNeverTrap() async throws {
        let good = Self.encode(Self.sample)
        var random = Xorshift(seed: 0x5eed_c0de)
        var opened = 0
        for round in 0..<3000 {
            var bytes = good
            if round % 5 == 4 {
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            } else {
                for _ in 0..<(1 + Int(random.next() % 8)) {
                    let at = Int(random.next() % UInt64(min(bytes.count, round % 2 == 0 ? 48 + 11 * 64 : bytes.count)))
                    bytes[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
            }
            let pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
            defer { pointer.deallocate() }
            bytes.withUnsafeBytes { if $0.count > 0 { pointer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            guard let store = try? CrunchStore(image: UnsafeRawBufferPointer(rebasing: pointer[0..<bytes.count])) else { continue }
            opened += 1
            var folders = [KVKey.root]
            var visited = 0
            while let folder = folders.popLast(), visited < 100 {
                visited += 1
                guard let entries = try? await store.list(folder) else { continue }
                for entry in entries {
                    guard let key = try? folder.appending(entry.name) else { continue }
                    if entry.kind == .dictionary { folders.append(key); continue }
                    _ = try? await store.get(key)
                    _ = try? await store.get(key, offset: 1, length: 3)
                    _ = try? await store.digest(key)
                    _ = try? await store.size(key)
                }
            }
            for item in Self.sample {
                let key = try KVKey(segments: item.path)
                _ = try? await store.exists(key)
                _ = try? await store.get(key)
            }
        }
        print("crunch corruption: \(opened) of 3000 damaged images opened; all operations returned or threw")
    }
}

/// A small seeded generator, so a failing corruption round can be replayed.
struct Xorshift {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 1 : seed }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
