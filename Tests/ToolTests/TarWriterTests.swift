import Foundation
import Testing
import SwiftletDevices
import SwiftletStorage
@testable import SwiftletTool

private func hostTool(_ name: String) -> String? {
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

private let gnuTar = hostTool("tar")
private let haveTools = gnuTar != nil && hostTool("sha256sum") != nil

/// `swiftlet mkfs --tar`: archives GNU tar lists and extracts exactly, and the tar store reads
/// back byte for byte with the digests sha256sum computes.
@Suite struct TarWriterTests {
    /// A scratch tree: nested folders, empty files and an empty folder, spaces, UTF-8, a
    /// backslash, a newline and a leading dash in names, a 200-character name (and a path over
    /// 256 bytes), sizes around the 512-byte block, and a 3 MiB file.
    struct Tree {
        let root: URL
        var files: [String: Data] = [:]
        var folders: [String] = []

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-tarwriter-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            var random = SystemRandomNumberGenerator()
            func bytes(_ count: Int) -> Data {
                let words = (0...(count / 8)).map { _ in random.next() }
                return words.withUnsafeBytes { Data($0.prefix(count)) }
            }
            try add("index.html", Data("<h1>Hello</h1>\n".utf8))
            try add("css/site.css", Data("body { color: black }\n".utf8))
            try add("a/b/c/deep.txt", Data("deep\n".utf8))
            try add("empty", Data())
            try add("a/empty too", Data())
            try add("name with spaces.txt", Data("spaces\n".utf8))
            try add("héllo wörld/ünïcödé ✓.txt", Data("unicode\n".utf8))
            try add("日本語.txt", Data("日本語\n".utf8))
            try add("back\\slash.txt", Data("backslash\n".utf8))
            try add("new\nline.txt", Data("newline\n".utf8))
            try add("-dash.txt", Data("dash\n".utf8))
            try add(String(repeating: "l", count: 200), Data("two hundred\n".utf8))
            try add("a/b/" + String(repeating: "m", count: 200) + "/" + String(repeating: "n", count: 100), Data("long path\n".utf8))
            try add("sizes/511", bytes(511))
            try add("sizes/512", bytes(512))
            try add("sizes/513", bytes(513))
            try add("big/three-mebibytes.bin", bytes(3 << 20))
            try addFolder("empty folder")
        }

        mutating func add(_ path: String, _ data: Data) throws {
            try addFolder(path.split(separator: "/").dropLast().joined(separator: "/"))
            try data.write(to: root.appendingPathComponent(path))
            files[path] = data
        }

        mutating func addFolder(_ path: String) throws {
            guard !path.isEmpty else { return }
            try FileManager.default.createDirectory(at: root.appendingPathComponent(path), withIntermediateDirectories: true)
            var parts = path.split(separator: "/").map(String.init)
            while !parts.isEmpty {
                if !folders.contains(parts.joined(separator: "/")) { folders.append(parts.joined(separator: "/")) }
                parts.removeLast()
            }
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    // MARK: GNU tar reads our archives

    @Test(.enabled(if: haveTools, "GNU tar and sha256sum are needed (apt install tar coreutils)"))
    func gnuTarListsExactlyTheTree() throws {
        let tree = try Tree()
        defer { tree.remove() }
        let image = tree.root.appendingPathExtension("tar")
        defer { try? FileManager.default.removeItem(at: image) }
        let scanned = try DirectoryTree(scanning: tree.root)
        try TarWriter.write(scanned, to: image)
        #expect(!FileManager.default.fileExists(atPath: image.path + ".partial"))

        let listing = try Support.run(try #require(gnuTar), ["--quoting-style=escape", "--numeric-owner", "-tvf", image.path])
        try #require(listing.status == 0, "tar -t failed: \(listing.stderr)")
        let lines = listing.stdoutBytes.split(separator: UInt8(ascii: "\n")).map { Array($0) }
        var listed: [String] = []
        for line in lines {
            let fields = splitListing(line)
            guard fields.count == 6 else { Issue.record("odd tar -tv line: \(String(decoding: line, as: UTF8.self))"); continue }
            let name = unescape(fields[5])
            listed.append(name)
            if name.hasSuffix("/") {
                #expect(fields[0] == "drwxr-xr-x", "\(name)")
                #expect(fields[2] == "0")
            } else {
                #expect(fields[0] == "-rw-r--r--", "\(name)")
                #expect(Int(fields[2]) == tree.files[name]?.count, "\(name) size")
            }
            #expect(fields[1] == "0/0", "\(name) owner")
        }
        // Exactly the tree, in its order (parents first, names as UTF-8 bytes).
        #expect(listed == scanned.entries.map { $0.isDirectory ? $0.relativePath + "/" : $0.relativePath })
        #expect(Set(listed) == Set(tree.files.keys).union(tree.folders.map { $0 + "/" }))

        // Only our own keyword is news to GNU tar: no other warnings.
        let warnings = listing.stderr.split(separator: "\n").filter { !$0.contains("SWIFTLET.sha256") }
        #expect(warnings.isEmpty, "\(warnings)")
    }

    @Test(.enabled(if: haveTools, "GNU tar and sha256sum are needed (apt install tar coreutils)"))
    func gnuTarExtractsIdenticalFiles() throws {
        let tree = try Tree()
        defer { tree.remove() }
        let image = tree.root.appendingPathExtension("tar")
        let destination = tree.root.appendingPathExtension("extracted")
        defer {
            try? FileManager.default.removeItem(at: image)
            try? FileManager.default.removeItem(at: destination)
        }
        let scanned = try DirectoryTree(scanning: tree.root)
        try TarWriter.write(scanned, to: image)
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        let extract = try Support.run(try #require(gnuTar), ["--warning=no-unknown-keyword", "-xf", image.path, "-C", destination.path])
        try #require(extract.status == 0, "tar -x failed: \(extract.stderr)")
        #expect(extract.stderr.isEmpty, "\(extract.stderr)")

        let extracted = try DirectoryTree(scanning: destination)
        #expect(extracted.entries.map(\.path) == scanned.entries.map(\.path))
        for (original, copy) in zip(scanned.entries, extracted.entries) {
            #expect(original.isDirectory == copy.isDirectory)
            if !original.isDirectory {
                #expect(try Data(contentsOf: copy.url) == tree.files[original.relativePath], "\(original.relativePath)")
                #expect(Int(copy.modified.timeIntervalSince1970) == Int(original.modified.timeIntervalSince1970), "mtime")
            }
        }
    }

    // MARK: Our store reads our archives

    @Test(.enabled(if: haveTools, "sha256sum is needed (apt install coreutils)"))
    func tarStoreReadsIdenticalBytesAndRecordedDigests() async throws {
        let tree = try Tree()
        defer { tree.remove() }
        let image = tree.root.appendingPathExtension("tar")
        defer { try? FileManager.default.removeItem(at: image) }
        try TarWriter.write(try DirectoryTree(scanning: tree.root), to: image)
        let bytes = Array(try Data(contentsOf: image))
        // A digest record before every file.
        #expect(occurrences(of: "SWIFTLET.sha256=", in: bytes) == tree.files.count)

        let expected = try sha256sum(Array(tree.files.keys), in: tree.root)
        let store = try await TarStore.open(MemoryBlock(bytes: bytes))
        #expect(store.valueCount == tree.files.count)
        for (path, data) in tree.files {
            let key = try KVKey(path)
            #expect(try await store.get(key) == Array(data), "\(path)")
            #expect(try await store.size(key) == data.count)
            #expect(try await store.digest(key) == expected[path], "\(path)")
            #expect(try await store.digest(key) == SHA256.hash(Array(data)).hex)
        }
        for folder in tree.folders {
            #expect(try await store.exists(try KVKey(folder)) == .dictionary, "\(folder)")
        }
        #expect(try await store.list(try KVKey("empty folder")).isEmpty)
        let big = try KVKey("big/three-mebibytes.bin")
        #expect(try await store.get(big, offset: (1 << 20) + 3, length: 1 << 20) == Array(tree.files["big/three-mebibytes.bin"]![((1 << 20) + 3)..<((2 << 20) + 3)]))
    }

    // MARK: The command

    @Test(.enabled(if: haveTools, "GNU tar and sha256sum are needed (apt install tar coreutils)"))
    func swiftletMkfsTarWritesTheSameArchive() throws {
        let tree = try Tree()
        defer { tree.remove() }
        let direct = tree.root.appendingPathExtension("direct.tar")
        let viaCommand = tree.root.appendingPathExtension("command.img")
        defer {
            try? FileManager.default.removeItem(at: direct)
            try? FileManager.default.removeItem(at: viaCommand)
        }
        try TarWriter.write(try DirectoryTree(scanning: tree.root), to: direct)
        var tool = Tool()
        var printed = "", errors = ""
        tool.output = { printed += $0 }
        tool.errorOutput = { errors += $0 }
        #expect(tool.main(["mkfs", "--tar", tree.root.path, viaCommand.path]) == 0, "\(errors)")
        #expect(printed.contains("\(tree.files.count) files"))
        #expect(try Data(contentsOf: viaCommand) == Data(contentsOf: direct), "the same tree makes the same archive")
        let listing = try Support.run(try #require(gnuTar), ["--warning=no-unknown-keyword", "-tf", viaCommand.path])
        #expect(listing.status == 0)

        // The built command too, from the command line.
        let built = URL(fileURLWithPath: Support.swiftlet)
        if FileManager.default.isExecutableFile(atPath: built.path) {
            let again = tree.root.appendingPathExtension("cli.img")
            defer { try? FileManager.default.removeItem(at: again) }
            let result = try Support.run(built.path, ["mkfs", "--tar", tree.root.path, again.path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try Data(contentsOf: again) == Data(contentsOf: direct))
        }
    }

    @Test func missingFolderIsAClearError() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-no-such-\(UUID().uuidString)")
        var tool = Tool()
        var errors = ""
        tool.output = { _ in }
        tool.errorOutput = { errors += $0 }
        #expect(tool.main(["mkfs", "--tar", missing.path, missing.path + ".img"]) == 1)
        #expect(errors.contains("\(missing.path) is not a folder"), "\(errors)")
        #expect(!FileManager.default.fileExists(atPath: missing.path + ".img"))
    }

    @Test func filesOfEightGibibytesAreRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-huge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let huge = root.appendingPathComponent("huge.bin")
        _ = FileManager.default.createFile(atPath: huge.path, contents: nil)
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: 8 << 30)  // sparse: no disk space used
        try handle.close()
        let image = root.appendingPathExtension("tar")
        do {
            try TarWriter.write(try DirectoryTree(scanning: root), to: image)
            Issue.record("an 8 GiB file was accepted")
        } catch {
            #expect(error.message.contains("huge.bin is 8589934592 bytes"), "\(error.message)")
            #expect(error.message.contains("below 8 GiB"))
        }
        #expect(!FileManager.default.fileExists(atPath: image.path))
        #expect(!FileManager.default.fileExists(atPath: image.path + ".partial"))
    }

    @Test func headerFieldsFollowUstar() {
        #expect(TarWriter.ustarName(Array("short".utf8)) == TarWriter.UstarName(name: Array("short".utf8), prefix: []))
        let long = String(repeating: "p", count: 120) + "/" + String(repeating: "n", count: 90)
        #expect(TarWriter.ustarName(Array(long.utf8)) == TarWriter.UstarName(name: Array(String(repeating: "n", count: 90).utf8),
                                                                             prefix: Array(String(repeating: "p", count: 120).utf8)))
        #expect(TarWriter.ustarName(Array(String(repeating: "x", count: 101).utf8)) == nil, "no slash to split at")
        #expect(TarWriter.ustarName(Array("héllo".utf8)) == nil, "UTF-8 goes in a pax record")
        #expect(TarWriter.paxRecord("path", Array("abc".utf8)) == Array("12 path=abc\n".utf8))
        // The length counts its own digits: 9 bytes + "10" would be 11, so it is 11.
        #expect(TarWriter.paxRecord("k", Array("12345".utf8)) == Array("11 k=12345\n".utf8))
        #expect(TarWriter.paxRecord("k", Array(String(repeating: "v", count: 94).utf8)).prefix(4).elementsEqual("101 ".utf8))
        #expect(TarWriter.paxRecord("k", Array(String(repeating: "v", count: 94).utf8)).count == 101)
        let header = TarWriter.header(TarWriter.UstarName(name: Array("a".utf8), prefix: []), typeflag: UInt8(ascii: "0"),
                                      mode: 0o644, size: 513, mtime: 1_700_000_000)
        #expect(header.count == 512)
        #expect(Array(header[124..<136]) == Array("00000001001\u{0}".utf8))
        #expect(Array(header[257..<265]) == Array("ustar\u{0}00".utf8))
        var sum = 0
        for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
        #expect(String(decoding: header[148..<154], as: UTF8.self) == String(sum, radix: 8).leftPadded(to: 6))
    }

    // MARK: Speed

    /// The writer's speed on a 50 MB tree of 500 files (the tool is a debug build).
    @Test(.enabled(if: haveTools, "GNU tar and sha256sum are needed (apt install tar coreutils)"))
    func writerSpeedOnFiftyMegabytes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-tarspeed-\(UUID().uuidString)")
        let image = root.appendingPathExtension("tar")
        defer {
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: image)
        }
        var content = Data(repeating: 0x61, count: 100_000)
        for folder in 0..<10 {
            let url = root.appendingPathComponent("folder\(folder)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            for file in 0..<50 {
                content[0] = UInt8(folder)
                content[1] = UInt8(file)
                try content.write(to: url.appendingPathComponent("file\(file).bin"))
            }
        }
        let tree = try DirectoryTree(scanning: root)
        let start = Date()
        try TarWriter.write(tree, to: image)
        let seconds = Date().timeIntervalSince(start)
        print("tar writer: 500 files, 50 MB in \(String(format: "%.2f", seconds)) s = \(Int(50 / seconds)) MB/s (debug build, sha256sum included)")
        let listing = try Support.run(try #require(gnuTar), ["--warning=no-unknown-keyword", "-tf", image.path])
        #expect(listing.stdoutBytes.split(separator: UInt8(ascii: "\n")).count == 510)
    }

    // MARK: Helpers

    /// sha256sum's digest of each path (relative to `root`), from one `--zero` run.
    func sha256sum(_ paths: [String], in root: URL) throws -> [String: String] {
        let output = try Support.run(try #require(hostTool("sha256sum")), ["--zero", "--"] + paths, in: root)
        var result: [String: String] = [:]
        for line in output.stdoutBytes.split(separator: 0) {
            let bytes = Array(line)
            result[String(decoding: bytes[66...], as: UTF8.self)] = String(decoding: bytes[0..<64], as: UTF8.self)
        }
        return result
    }

    /// The six fields of a `tar -tv` line: mode, owner, size, date, time, name (which may hold spaces).
    func splitListing(_ line: [UInt8]) -> [String] {
        var fields: [String] = []
        var index = 0
        while fields.count < 5 {
            while index < line.count, line[index] == 0x20 { index += 1 }
            let start = index
            while index < line.count, line[index] != 0x20 { index += 1 }
            guard start < index else { return fields }
            fields.append(String(decoding: line[start..<index], as: UTF8.self))
        }
        guard index < line.count else { return fields }
        fields.append(String(decoding: line[(index + 1)...], as: UTF8.self))
        return fields
    }

    /// Undoes GNU tar's `escape` quoting: `\\`, `\n` and friends, and `\ooo` octal bytes.
    func unescape(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                result.append(bytes[index])
                index += 1
                continue
            }
            let next = bytes[index + 1]
            let simple: [UInt8: UInt8] = [0x5C: 0x5C, 0x6E: 0x0A, 0x74: 0x09, 0x72: 0x0D, 0x66: 0x0C, 0x62: 0x08, 0x61: 0x07, 0x76: 0x0B, 0x3F: 0x3F]
            if let byte = simple[next] {
                result.append(byte)
                index += 2
            } else if index + 3 < bytes.count, let value = UInt8(String(decoding: bytes[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                result.append(value)
                index += 4
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    func occurrences(of text: String, in bytes: [UInt8]) -> Int {
        let data = Data(bytes), needle = Data(text.utf8)
        var count = 0
        var range = data.startIndex..<data.endIndex
        while let found = data.range(of: needle, in: range) {
            count += 1
            range = found.upperBound..<data.endIndex
        }
        return count
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
