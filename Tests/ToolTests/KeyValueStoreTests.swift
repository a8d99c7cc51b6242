import Foundation
import SwiftletDevices
import SwiftletStorage
import Testing
@testable import SwiftletTool

/// `--kv_ro`: the configuration of the read-only key-value stores, the crunch writer against the
/// unikernel's reader, and the tutorial's kv_ro example with every store on unix and spt.
@Suite struct KeyValueStoreTests {
    static let kvRO = UnikernelDescription(
        name: "kv_ro", main: "KeyValueReader", devices: [.init(kind: "kv-ro", label: "kv", name: "t")], keys: [], packages: [])

    func plan(_ arguments: [String] = [], target: Target = .unix) throws -> BuildPlan {
        try BuildPlan(unikernel: Self.kvRO, target: target, configureArguments: arguments, configFingerprint: "0",
                      directory: URL(fileURLWithPath: "/srv/app"))
    }

    @Test func crunchIsTheDefaultOnEveryTarget() throws {
        for target in [Target.unix, .spt, .hvt] {
            let described = try plan(target: target).describe()
            #expect(described.contains("kv: KeyValueStoreReadOnly = CrunchStore [t]"), "\(described)")
            #expect(described.contains("kv_ro: STRING = \"crunch\" (configure)"))
            if target != .unix { #expect(described.contains("solo5 manifest: (no devices)")) }
        }
        let main = try CodeGenerator(plan: try plan()).mainSource()
        #expect(main.contains("import SwiftletCrunch\n"))
        #expect(main.contains("swiftlet_crunch_kv_start(), count: swiftlet_crunch_kv_size()"))
    }

    @Test func directIsUnixOnlyAndDefaultsToTheFolderAtConfigureTime() throws {
        let direct = try plan(["--kv_ro=direct"])
        #expect(direct.keyValues["kv_ro-path:kv"] == "/srv/app/t")
        #expect(try CodeGenerator(plan: direct).mainSource()
            .contains("DirectStore.open(name: \"kv\", path: Keys.kv_roPathKv, loop: loop)"))
        #expect(try plan(["--kv_ro=direct", "--kv_ro-path:kv=/var/www"]).keyValues["kv_ro-path:kv"] == "/var/www")
        do {
            _ = try plan(["--kv_ro=direct"], target: .spt)
            Issue.record("direct was accepted on spt")
        } catch let error as ToolError {
            #expect(error.message == "--kv_ro=direct is not available on target spt")
            #expect(error.hint == "use --kv_ro=crunch or --kv_ro=tar or --kv_ro=fat")
        }
        do {
            _ = try plan(["--kv_ro=zip"])
            Issue.record("zip was accepted")
        } catch let error as ToolError {
            #expect(error.message == "--kv_ro must be one of crunch, direct, tar, fat, not 'zip'")
        }
    }

    @Test func tarAndFATReadABlockDeviceNamedAfterTheLabel() throws {
        let tarUnix = try plan(["--kv_ro=tar"])
        #expect(tarUnix.keyValues["block:kv"] == "dist/kv.tar")
        #expect(try tarUnix.describe().contains("kv: KeyValueStoreReadOnly = TarStore<UnixBlock> [t]"))
        #expect(try plan(["--kv_ro=fat"]).keyValues["block:kv"] == "dist/kv.img")
        let fatSPT = try plan(["--kv_ro=fat"], target: .spt)
        let described = try fatSPT.describe()
        #expect(described.contains("kv: KeyValueStoreReadOnly = FATStore<Solo5Block> [t]"), "\(described)")
        #expect(described.contains("solo5 manifest: kv (block)"))
        let main = try CodeGenerator(plan: fatSPT).mainSource()
        #expect(main.contains("try await FATStore.open(Solo5Block(name: \"kv\"))"), "\(main)")
        #expect(main.contains("loop.attach(\"the fat key-value store \" + \"kv\")"))
        // swiftlet run attaches the built image, unless the user attaches another.
        let folder = UnikernelFolder(directory: URL(fileURLWithPath: "/srv/app"))
        #expect(StoreAssets(plan: fatSPT, folder: folder).blockArguments(besides: []) == ["--block:kv=/srv/app/dist/kv.img"])
        #expect(StoreAssets(plan: fatSPT, folder: folder).blockArguments(besides: ["--block:kv=other.img"]).isEmpty)
    }

    /// The tool's writer, read back by the unikernel's reader.
    @Test func crunchWriterAndCrunchStoreAgree() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-crunch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let root = base.appendingPathComponent("tree")
        let files: [String: [UInt8]] = [
            "index.html": Array("hello\n".utf8), "css/site.css": Array("body{}".utf8), "css/empty": [],
            "css-old/a b.css": [1, 2, 3], "café/日本語 名前.txt": Array(repeating: 9, count: 70_000),
        ]
        for (path, bytes) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("empty/deeper"), withIntermediateDirectories: true)
        let image = base.appendingPathComponent("crunch.bin")
        try CrunchWriter.write(try DirectoryTree(scanning: root), to: image)
        let bytes = [UInt8](try Data(contentsOf: image))
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        defer { raw.deallocate() }
        bytes.withUnsafeBytes { raw.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        do {
            let store = try CrunchStore(image: UnsafeRawBufferPointer(raw))
            #expect(try await store.list(.root).map(\.name) == ["café", "css", "css-old", "empty", "index.html"])
            #expect(try await store.list(KVKey("/empty")).map(\.name) == ["deeper"])
            #expect(try await store.list(KVKey("/empty/deeper")).isEmpty)
            for (path, content) in files {
                let key = try KVKey(path)
                #expect(try await store.get(key) == content, "\(path)")
                #expect(try await store.digest(key) == SHA256.hash(content).hex)
            }
        }
    }

    // MARK: - The example, built and run

    /// Builds Examples/kv_ro with `--kv_ro=store` for `target` and runs it; `nil` when the store
    /// is not available in this checkout yet (said, not hidden).
    static func runExample(store: String, target: String) throws -> Support.Result {
        let folder = try Support.copy("Examples/kv_ro")
        defer { Support.remove(folder) }
        let configure = try Support.swiftlet(["configure", "-t", target, "--kv_ro=\(store)"], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let build = try Support.swiftlet(["build"], in: folder, timeout: 600)
        try #require(build.status == 0, "\(build.stderr)")
        if target == "unix" {
            return try Support.run(folder.appendingPathComponent("dist/kv_ro").path, in: folder, timeout: 30)
        }
        let blocks = StoreImage(store: store).map { ["--block:kv=dist/kv.\($0)"] } ?? []
        return try Support.run(Support.swiftletSPT, blocks + ["dist/kv_ro.spt"], in: folder, timeout: 60)
    }

    static func StoreImage(store: String) -> String? {
        ["tar": "tar", "fat": "img"][store]
    }

    static let exampleCases: [(String, String)] = [
        ("crunch", "unix"), ("direct", "unix"), ("tar", "unix"), ("fat", "unix"),
        ("crunch", "spt"), ("tar", "spt"), ("fat", "spt"),
    ]

    @Test(arguments: exampleCases)
    func kvROExampleReadsItsFolder(store: String, target: String) throws {
        let result = try Self.runExample(store: store, target: target)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.lines.filter { !$0.hasPrefix("Swiftlet:") }
        let messages = lines.compactMap { $0.split(separator: "] ", maxSplits: 1).last.map(String.init) }
        #expect(messages.prefix(3) == ["/docs/", "/docs/readme.txt (91 bytes)", "/secret (10 bytes)"], "\(lines)")
        #expect(messages.last == "SUCCESS: the key-value store holds what t/ holds")
        let digest = messages.first { $0.hasPrefix("/secret matches, digest ") }
        if store != "direct" {
            // sha256sum of "swordfish\n".
            #expect(digest == "/secret matches, digest 136b4dfc04ab4b34d175e64e302d528384588c4f694ce1f6ad34a93028e13b5f")
        }
    }

    @Test func aMissingImageOrFolderExitsWithAMessage() throws {
        let folder = try Support.copy("Examples/kv_ro")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["configure", "-t", "unix", "--kv_ro=direct"], in: folder).status == 0)
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        let image = folder.appendingPathComponent("dist/kv_ro").path
        let missing = try Support.run(image, ["--kv_ro-path:kv=/nonexistent"], timeout: 10)
        #expect(missing.status == 1)
        #expect((missing.stdout + missing.stderr).contains(
            "cannot open the direct key-value store 'kv': cannot open folder /nonexistent: No such file or directory"),
                "\(missing.stdout)\(missing.stderr)")
    }

    /// A crunch image is written when the folder changed, not on every build.
    @Test func crunchImageIsRemadeOnlyWhenTheFolderChanges() throws {
        let folder = try Support.copy("Examples/kv_ro")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["configure", "-t", "unix"], in: folder).status == 0)
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        let blob = folder.appendingPathComponent("_build/crunch-kv.bin")
        func modified() throws -> Date { try FileManager.default.attributesOfItem(atPath: blob.path)[.modificationDate] as! Date }
        let first = try modified()
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        #expect(try modified() == first)
        try Data("hunter2\n".utf8).write(to: folder.appendingPathComponent("t/secret"))
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        #expect(try modified() != first)
        let run = try Support.run(folder.appendingPathComponent("dist/kv_ro").path, in: folder, timeout: 30)
        #expect(run.status == 1, "the changed secret must be seen: \(run.stdout)")
        #expect(run.stdout.contains("/secret holds 8 bytes that are not the expected secret"))
    }
}

/// The acceptance test of issue 5: a generated tree (nested and empty folders, empty files, a
/// 100 MiB file, names with spaces and UTF-8) read back through each store by the kv-walk test
/// unikernel, every value streamed in 1 MiB chunks, compared with the host's `sha256sum` and
/// listing. Serialized: each case builds an image holding the 100 MiB file.
@Suite(.serialized) struct KeyValueAcceptanceTests {
    /// The generated tree, made once per test run.
    static let tree: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-kv-tree-\(getpid())")
        do {
            try makeTree(at: root)
        } catch {
            fatalError("cannot generate the test tree: \(error)")
        }
        // Not captured: a C function pointer; the tree is removed when the test process ends.
        atexit { try? FileManager.default.removeItem(at: KeyValueAcceptanceTests.treeLocation) }
        return root
    }()

    static var treeLocation: URL { FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-kv-tree-\(getpid())") }

    static func makeTree(at root: URL) throws {
        let fm = FileManager.default
        try? fm.removeItem(at: root)
        var random = SeededBytes(seed: 42)
        func file(_ path: String, _ bytes: [UInt8]) throws {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        try fm.createDirectory(at: root.appendingPathComponent("empty folder"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("nested/a/b/empty"), withIntermediateDirectories: true)
        try file("README", Array("A generated tree for the key-value store tests.\n".utf8))
        try file("nested/a/b/c/deep.txt", random.bytes(1234))
        try file("nested/a/empty.txt", [])
        try file("spaces in name/file with spaces.txt", random.bytes(4097))
        try file("café/日本語の名前.txt", Array("こんにちは\n".utf8))
        try file("café/naïve résumé.md", random.bytes(65_537))
        try file("odd/one byte", [0x2a])
        try file("odd/sector.bin", random.bytes(512))
        try file("odd/zero.bin", [])
        for index in 0..<300 {
            try file("many/file-\(index).txt", random.bytes(index * 37 % 5000))
        }
        // 100 MiB: 1 MiB of random bytes, each copy stamped with its index.
        let big = root.appendingPathComponent("big/100 MiB.bin")
        try fm.createDirectory(at: big.deletingLastPathComponent(), withIntermediateDirectories: true)
        #expect(fm.createFile(atPath: big.path, contents: nil))
        let handle = try FileHandle(forWritingTo: big)
        var block = random.bytes(1 << 20)
        for index in 0..<100 {
            block[0] = UInt8(index)
            block[(1 << 20) - 1] = UInt8(255 - index)
            try handle.write(contentsOf: Data(block))
        }
        try handle.close()
    }

    /// What kv-walk must print, from the host: `D /path` and `F SIZE SHA256 /path` lines.
    static let expected: Set<String> = {
        var lines: Set<String> = []
        var files: [(String, Int)] = []
        let root = tree
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey, .fileSizeKey])!
        for case let url as URL in enumerator {
            let relative = "/" + url.path.dropFirst(root.path.count + 1)
            let values = try! url.resourceValues(forKeys: [.isDirectoryKey, .fileSizeKey])
            if values.isDirectory! { lines.insert("D " + relative) } else { files.append((relative, values.fileSize!)) }
        }
        for batch in stride(from: 0, to: files.count, by: 100) {
            let slice = files[batch..<min(batch + 100, files.count)]
            let result = try! Support.run("/usr/bin/sha256sum", ["--zero", "--"] + slice.map { root.path + $0.0 })
            let sums = result.stdout.split(separator: "\0").map { String($0.prefix(64)) }
            precondition(sums.count == slice.count, "sha256sum: \(result.stderr)")
            for ((path, size), sum) in zip(slice, sums) { lines.insert("F \(size) \(sum) \(path)") }
        }
        return lines
    }()

    static let cases: [(String, String)] = [
        ("crunch", "unix"), ("direct", "unix"), ("tar", "unix"), ("fat", "unix"),
        ("crunch", "spt"), ("tar", "spt"), ("fat", "spt"),
    ]

    @Test(arguments: cases)
    func everyFileReadsBackByteForByte(store: String, target: String) throws {
        let expected = Self.expected
        let folder = try Support.copy("Tests/Unikernels/kv-walk")
        defer { Support.remove(folder) }
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("tree"), withDestinationURL: Self.tree)
        let configure = try Support.swiftlet(["configure", "-t", target, "--kv_ro=\(store)"], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let buildStart = Date()
        let build = try Support.swiftlet(["build"], in: folder, timeout: 900)
        try #require(build.status == 0, "\(build.stderr)")
        let buildSeconds = Date().timeIntervalSince(buildStart)
        let result: Support.Result
        if target == "unix" {
            result = try Support.run(folder.appendingPathComponent("dist/kv-walk").path, in: folder, timeout: 300)
        } else {
            let blocks = KeyValueStoreTests.StoreImage(store: store).map { ["--block:kv=dist/kv.\($0)"] } ?? []
            result = try Support.run(Support.swiftletSPT, blocks + ["dist/kv-walk.spt"], in: folder, timeout: 300)
        }
        let failures = result.lines.filter { $0.hasPrefix("FAILURE") }.joined(separator: "\n")
        #expect(result.status == 0, "\(result.stderr)\n\(failures)")
        let lines = result.lines
        #expect(lines.contains("SUCCESS: kv-walk"))
        #expect(lines.contains("dotdot keys rejected"))
        let listed = Set(lines.filter { $0.hasPrefix("D ") || $0.hasPrefix("F ") })
        let missing = expected.subtracting(listed).sorted(), extra = listed.subtracting(expected).sorted()
        #expect(missing.isEmpty, "missing through \(store) on \(target): \(missing.prefix(10))")
        #expect(extra.isEmpty, "extra through \(store) on \(target): \(extra.prefix(10))")
        #expect(listed.count == lines.filter { $0.hasPrefix("D ") || $0.hasPrefix("F ") }.count, "an entry was listed twice")
        if let total = lines.last(where: { $0.hasPrefix("TOTAL ") })?.split(separator: " "), total.count == 4,
           let bytes = Double(total[2]), let milliseconds = Double(total[3]) {
            let rate = milliseconds > 0 ? bytes / 1_000_000 / (milliseconds / 1000) : 0
            print("kv-walk \(store) on \(target): build \(String(format: "%.1f", buildSeconds)) s; read \(total[1]) files, "
                  + "\(Int(bytes)) bytes in \(Int(milliseconds)) ms (\(String(format: "%.0f", rate)) MB/s, hashing included)")
        }
    }
}

/// Deterministic bytes for generated trees.
struct SeededBytes {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count { withUnsafeBytes(of: next()) { out += $0 } }
        return Array(out.prefix(count))
    }
}
