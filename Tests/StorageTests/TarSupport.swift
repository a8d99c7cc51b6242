import Foundation
import SwiftletDevices
import SwiftletStorage

/// Helpers for the tar store tests: scratch trees, host tools, hand-made headers.
enum TarSupport {
    /// A new empty scratch folder.
    static func scratchFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-tar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The full path of a host program, or `nil` when it is not installed.
    static func hostTool(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    struct ToolOutput {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs `program` with `arguments` in `folder`; output goes through files so no pipe fills.
    static func run(_ program: String, _ arguments: [String], in folder: URL? = nil) throws -> ToolOutput {
        let scratch = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return ToolOutput(status: process.terminationStatus, stdout: try Data(contentsOf: out),
                          stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// A host folder's files (relative path → bytes) and folders (relative paths).
    struct Tree {
        var root: URL
        var files: [String: [UInt8]] = [:]
        var folders: Set<String> = []

        /// Creates `path` (and its parents) holding `bytes`.
        mutating func add(_ path: String, _ bytes: [UInt8]) throws {
            let url = root.appendingPathComponent(path)
            try addFolder(path.split(separator: "/").dropLast().joined(separator: "/"))
            try Data(bytes).write(to: url)
            files[path] = bytes
        }

        mutating func addFolder(_ path: String) throws {
            guard !path.isEmpty else { return }
            try FileManager.default.createDirectory(at: root.appendingPathComponent(path), withIntermediateDirectories: true)
            var parts = path.split(separator: "/").map(String.init)
            while !parts.isEmpty {
                folders.insert(parts.joined(separator: "/"))
                parts.removeLast()
            }
        }

        /// The direct children of folder `path` ("" for the root), sorted as UTF-8 bytes.
        func children(of path: String) -> [(name: String, kind: KVEntryKind)] {
            let prefix = path.isEmpty ? "" : path + "/"
            var result: [(name: String, kind: KVEntryKind)] = []
            for file in files.keys where file.hasPrefix(prefix) && !file.dropFirst(prefix.count).contains("/") {
                result.append((String(file.dropFirst(prefix.count)), .value))
            }
            for folder in folders where folder.hasPrefix(prefix) && folder != path && !folder.dropFirst(prefix.count).contains("/") {
                result.append((String(folder.dropFirst(prefix.count)), .dictionary))
            }
            return result.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        }
    }

    /// Deterministic bytes for a file.
    static func bytes(count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var result = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = generator.next()
            for _ in 0..<8 where index < count {
                result[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return result
    }

    /// The tree every format test archives: nested folders, an empty file and an empty folder,
    /// spaces, UTF-8, sizes around block boundaries, a path that needs the ustar prefix, and
    /// (unless `longName` is false) a 150-byte file name.
    static func makeTree(longName: Bool = true) throws -> Tree {
        var tree = Tree(root: try scratchFolder())
        try tree.add("index.html", Array("<h1>Hello</h1>\n".utf8))
        try tree.add("empty", [])
        try tree.add("name with spaces.txt", Array("spaces\n".utf8))
        try tree.add("a/b/c/deep.txt", Array("deep\n".utf8))
        try tree.add("a/one.bin", bytes(count: 1, seed: 1))
        try tree.add("a/b/511.bin", bytes(count: 511, seed: 2))
        try tree.add("a/b/512.bin", bytes(count: 512, seed: 3))
        try tree.add("a/b/513.bin", bytes(count: 513, seed: 4))
        try tree.add("a/70000.bin", bytes(count: 70_000, seed: 5))
        try tree.add("big/megabyte-and-3.bin", bytes(count: (1 << 20) + 3, seed: 6))
        try tree.add("héllo/wörld ✓.txt", Array("unicode\n".utf8))
        try tree.add("日本語/ファイル.txt", Array("日本語\n".utf8))
        try tree.add("Zebra", Array("capital Z sorts before a\n".utf8))
        try tree.add(String(repeating: "p", count: 70) + "/" + String(repeating: "n", count: 60) + ".txt", Array("prefix\n".utf8))
        try tree.addFolder("empty folder")
        if longName {
            try tree.add("a/" + String(repeating: "L", count: 150), Array("long name\n".utf8))
        }
        return tree
    }

    /// `sha256sum` of every file in `tree`, keyed by relative path.
    static func sha256sum(_ tree: Tree) throws -> [String: String] {
        guard let program = hostTool("sha256sum") else { return [:] }
        let paths = tree.files.keys.sorted()
        let output = try run(program, ["--zero", "--"] + paths, in: tree.root)
        var result: [String: String] = [:]
        for line in output.stdout.split(separator: 0) {
            let bytes = Array(line)
            result[String(decoding: bytes[66...], as: UTF8.self)] = String(decoding: bytes[0..<64], as: UTF8.self)
        }
        return result
    }

    // MARK: Hand-made archives

    /// A 512-byte ustar header with a correct checksum (unless `checksum` is given).
    static func header(_ name: String, typeflag: Character = "0", size: UInt64 = 0, prefix: String = "",
                       magic: [UInt8] = Array("ustar\u{0}00".utf8), checksum: UInt64? = nil,
                       sizeField: [UInt8]? = nil, nameBytes: [UInt8]? = nil) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { block.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        put(nameBytes ?? Array(name.utf8.prefix(100)), at: 0)
        put(octal(0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(sizeField ?? octal(size, width: 12), at: 124)
        put(octal(1_700_000_000, width: 12), at: 136)
        block[156] = typeflag.asciiValue ?? 0
        put(magic, at: 257)
        put(Array(prefix.utf8), at: 345)
        put([UInt8](repeating: 0x20, count: 8), at: 148)
        let sum = checksum ?? block.reduce(UInt64(0)) { $0 + UInt64($1) }
        put(octal(sum, width: 7) + [0x20], at: 148)
        return block
    }

    /// Recomputes the checksum of the header at `offset` of `archive` (after a mutation).
    static func fixChecksum(_ archive: inout [UInt8], at offset: Int) {
        for index in 148..<156 { archive[offset + index] = 0x20 }
        let sum = archive[offset..<(offset + 512)].reduce(UInt64(0)) { $0 + UInt64($1) }
        archive.replaceSubrange((offset + 148)..<(offset + 156), with: octal(sum, width: 7) + [0x20])
    }

    static func octal(_ value: UInt64, width: Int) -> [UInt8] {
        let digits = Array(String(value, radix: 8).utf8)
        return [UInt8](repeating: 0x30, count: max(0, width - 1 - digits.count)) + digits + [0]
    }

    /// A header, its data and the padding.
    static func entry(_ name: String, _ data: [UInt8], typeflag: Character = "0") -> [UInt8] {
        header(name, typeflag: typeflag, size: UInt64(data.count)) + padded(data)
    }

    /// A pax `x` header holding `records` (`key=value` strings).
    static func pax(_ records: [(String, [UInt8])], typeflag: Character = "x") -> [UInt8] {
        var data: [UInt8] = []
        for (key, value) in records {
            let body = Array(" \(key)=".utf8) + value + [0x0A]
            var length = body.count + 1
            while String(length).utf8.count + body.count != length { length = String(length).utf8.count + body.count }
            data += Array(String(length).utf8) + body
        }
        return entry("PaxHeaders/x", data, typeflag: typeflag)
    }

    static func padded(_ data: [UInt8]) -> [UInt8] {
        data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    static let endOfArchive = [UInt8](repeating: 0, count: 1024)
}

/// SplitMix64, for reproducible corruption and file contents.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A block device that counts its reads, to check that a ranged get is one device request.
struct CountingBlock: BlockDevice {
    final class Counter { var reads = 0; var bytes = 0 }
    let inner: MemoryBlock
    let counter = Counter()
    var info: BlockInfo { inner.info }

    func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        counter.reads += 1
        counter.bytes += buffer.count
        try await inner.read(at: sector, into: &buffer)
    }

    func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) {
        try await inner.write(at: sector, bytes)
    }
}
