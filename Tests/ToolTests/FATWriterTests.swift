import Foundation
import Testing
import SwiftletDevices
import SwiftletStorage
@testable import SwiftletTool

/// `swiftlet mkfs --fat` against dosfstools and mtools: fsck.fat must find nothing to fix, mcopy
/// must extract every file byte for byte under its long name, and our FAT store must read the
/// same bytes.
@Suite struct FATWriterTests {
    static let tools = ["fsck.fat", "mcopy", "mdir"]
    static let missing = tools.filter { path(of: $0) == nil }
    static var available: Bool {
        if !missing.isEmpty { print("FAT writer tests skipped: \(missing.joined(separator: ", ")) not installed (apt packages mtools, dosfstools)") }
        return missing.isEmpty
    }

    static func path(of tool: String) -> String? {
        ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map { $0 + "/" + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a FAT tool in a UTF-8 locale, without mtools' geometry check.
    static func run(_ tool: String, _ arguments: [String]) throws -> Support.Result {
        try Support.run("/usr/bin/env", ["MTOOLS_SKIP_CHECK=1", "LC_ALL=C.UTF-8", path(of: tool) ?? tool] + arguments, timeout: 120)
    }

    static func scratch(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-fatw-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Deterministic pseudo-random bytes (SplitMix64).
    static func bytes(_ count: Int, seed: UInt64) -> Data {
        var state = seed
        var words = [UInt64](repeating: 0, count: (count + 7) / 8)
        for index in words.indices {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            words[index] = z ^ (z >> 31)
        }
        return words.withUnsafeBytes { Data($0.prefix(count)) }
    }

    /// Nested folders, empty files and folders, spaces, UTF-8 (one name outside the BMP), long
    /// names, names that differ only in case, 300 names that share a short-name basis, sizes
    /// around cluster boundaries and a file of `bigSize` bytes.
    static func makeTree(at root: URL, bigSize: Int = 20 << 20) throws {
        let fm = FileManager.default
        var seed: UInt64 = 1
        func file(_ path: String, size: Int) throws {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            seed += 1
            try bytes(size, seed: seed).write(to: url)
        }
        try file("empty", size: 0)
        try file("a/b/c/d/e/deep.txt", size: 100)
        try file("a/empty too", size: 0)
        try fm.createDirectory(at: root.appendingPathComponent("a/empty folder"), withIntermediateDirectories: true)
        try file("with spaces/file name with spaces.txt", size: 10)
        try file("café/naïve ☃.txt", size: 20)
        try file("日本語/ファイル.txt", size: 30)
        try file("emoji 😀.txt", size: 40)
        try file("long/" + String(repeating: "a long name ", count: 16) + "end.html", size: 50)
        try file("readme.txt", size: 60)
        try file("README.TXT", size: 70)
        try file("UPPER.TXT", size: 80)
        try file(".htaccess", size: 90)
        try file("several.dots.in.name", size: 91)
        for index in 1...300 { try file("many/long file name \(index).txt", size: index) }
        for size in [511, 512, 513, 2047, 2048, 2049, 4096, 65537] { try file("sizes/size \(size).bin", size: size) }
        try file("big/twenty.bin", size: bigSize)
    }

    /// Whether a name has characters outside the Basic Multilingual Plane, which mtools 4.0
    /// cannot decode (it reads long names as UCS-2); those files are checked through our store.
    static func outsideBMP(_ name: String) -> Bool { name.unicodeScalars.contains { $0.value > 0xFFFF } }

    /// fsck.fat finds no errors and mcopy extracts a byte-identical copy of the tree.
    static func checkWithHostTools(_ image: URL, tree: URL) throws {
        let fsck = try run("fsck.fat", ["-n", image.path])
        #expect(fsck.status == 0, "fsck.fat: \(fsck.stdout) \(fsck.stderr)")
        #expect(!fsck.stdout.lowercased().contains("differ"), "\(fsck.stdout)")

        let out = try scratch("extract")
        defer { try? FileManager.default.removeItem(at: out) }
        let copy = try run("mcopy", ["-s", "-n", "-i", image.path, "::/", out.path])
        #expect(copy.status == 0, "mcopy: \(copy.stderr)")
        try compareFolders(tree, out)

        let listing = try run("mdir", ["-/", "-i", image.path, "::"])
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("LONG~300 TXT"), "the 300th short name of the same basis")
        #expect(listing.stdout.contains("README~1 TXT"), "readme.txt's short name, README.TXT being taken")
    }

    static func compareFolders(_ host: URL, _ extracted: URL) throws {
        let fm = FileManager.default
        let hostNames = try fm.contentsOfDirectory(atPath: host.path)
        let extractedNames = Set(try fm.contentsOfDirectory(atPath: extracted.path))
        #expect(extractedNames.count == hostNames.count, "\(extracted.path): \(extractedNames.sorted()) vs \(hostNames.sorted())")
        for name in hostNames where !outsideBMP(name) {
            let source = host.appendingPathComponent(name), copy = extracted.appendingPathComponent(name)
            #expect(extractedNames.contains(name), "\(name) missing from mcopy's copy")
            var isDirectory: ObjCBool = false
            _ = fm.fileExists(atPath: source.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try compareFolders(source, copy)
            } else {
                #expect(fm.contentsEqual(atPath: source.path, andPath: copy.path), "\(copy.path) differs")
            }
        }
    }

    /// Every listing, kind, size, value and digest read through the FAT store equals the host's.
    static func compareStore(_ store: FATStore<some BlockDevice>, folder: URL, key: KVKey, files: inout Int) async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let listed = try await store.list(key)
        #expect(listed.map(\.name) == names, "listing of \(key)")
        for entry in listed {
            let url = folder.appendingPathComponent(entry.name)
            let child = try key.appending(entry.name)
            if entry.kind == .dictionary {
                try await compareStore(store, folder: url, key: child, files: &files)
                continue
            }
            files += 1
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let size = try await store.size(child)
            var offset = 0
            var hash = SHA256()
            while offset < size {
                let chunk = try await store.get(child, offset: offset, length: 1 << 20)
                let expected = [UInt8](try handle.read(upToCount: 1 << 20) ?? Data())
                #expect(chunk == expected, "\(child) at \(offset)")
                guard chunk == expected, !chunk.isEmpty else { return }
                hash.update(chunk)
                offset += chunk.count
            }
            #expect(try handle.read(upToCount: 1)?.isEmpty ?? true, "\(child) is shorter in the image")
            #expect(try await store.digest(child) == hash.finalize().hex)
        }
    }

    static func checkWithStore(_ image: URL, tree: URL, type: FATVolumeType) async throws {
        let store = try await FATStore.open(MemoryBlock(bytes: [UInt8](try Data(contentsOf: image)), isWritable: false))
        #expect(store.volume.type == type)
        var files = 0
        try await compareStore(store, folder: tree, key: .root, files: &files)
        #expect(files == 322)
        // The big file is one contiguous run: a 1 MiB chunk is one device read.
        let counting = FATCountingMemoryBlock(inner: MemoryBlock(bytes: [UInt8](try Data(contentsOf: image)), isWritable: false))
        let counted = try await FATStore.open(counting)
        let key = try KVKey("/big/twenty.bin")
        _ = try await counted.get(key, offset: 0, length: 1)  // finds the file and walks its chain
        counting.counter.reads = 0
        _ = try await counted.get(key, offset: 3 << 20, length: 1 << 20)
        _ = try await counted.get(key, offset: 7_654_321, length: 1 << 20)
        #expect(counting.counter.reads == 2)
    }

    @Test(.enabled(if: available)) func smallTreeMakesAFAT16VolumeThatHostToolsAccept() async throws {
        let folder = try Self.scratch("fat16")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree"), image = folder.appendingPathComponent("site.img")
        try Self.makeTree(at: tree)
        try FATWriter.write(try DirectoryTree(scanning: tree), to: image)
        #expect(!FileManager.default.fileExists(atPath: image.path + ".partial"))
        try Self.checkWithHostTools(image, tree: tree)
        try await Self.checkWithStore(image, tree: tree, type: .fat16)
    }

    @Test(.enabled(if: available)) func forcedFAT32VolumeThatHostToolsAccept() async throws {
        let folder = try Self.scratch("fat32")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree"), image = folder.appendingPathComponent("site.img")
        try Self.makeTree(at: tree)
        try FATWriter.write(try DirectoryTree(scanning: tree), to: image, forceFAT32: true)
        try Self.checkWithHostTools(image, tree: tree)
        try await Self.checkWithStore(image, tree: tree, type: .fat32)
        // The backup boot sector is a copy and the FSInfo sector has its signatures.
        let bytes = [UInt8](try Data(contentsOf: image).prefix(8 * 512))
        #expect(bytes[0..<512] == bytes[(6 * 512)..<(7 * 512)])
        #expect(bytes[512..<516] == [0x52, 0x52, 0x61, 0x41] && bytes[1022..<1024] == [0x55, 0xAA])
    }

    /// A long name outside the BMP is stored as a UTF-16 surrogate pair and read back whole.
    @Test(.enabled(if: available)) func namesOutsideTheBMPUseSurrogatePairs() async throws {
        let folder = try Self.scratch("emoji")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree"), image = folder.appendingPathComponent("e.img")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: tree.appendingPathComponent("😀.txt"))
        try FATWriter.write(try DirectoryTree(scanning: tree), to: image)
        let bytes = [UInt8](try Data(contentsOf: image))
        #expect(bytes.indices.dropLast(4).contains { bytes[$0..<($0 + 4)] == [0x3D, 0xD8, 0x00, 0xDE] })
        let store = try await FATStore.open(MemoryBlock(bytes: bytes))
        #expect(try await store.list(.root).map(\.name) == ["😀.txt"])
        #expect(try await store.get(KVKey("/😀.txt")) == Array("x".utf8))
        #expect(try Self.run("fsck.fat", ["-n", image.path]).status == 0)
    }

    @Test(.enabled(if: available)) func mkfsCommandWritesAFATImage() throws {
        let folder = try Self.scratch("mkfs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("site")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("css"), withIntermediateDirectories: true)
        try Data("<h1>hi</h1>".utf8).write(to: tree.appendingPathComponent("index.html"))
        try Data("h1 {}".utf8).write(to: tree.appendingPathComponent("css/site.css"))
        let image = folder.appendingPathComponent("site.img")
        #expect(Tool().main(["mkfs", "--fat", tree.path, image.path]) == 0)
        #expect(try Self.run("fsck.fat", ["-n", image.path]).status == 0)
        let listing = try Self.run("mdir", ["-/", "-b", "-i", image.path, "::"])
        #expect(listing.stdout.contains("index.html") && listing.stdout.contains("site.css"), "\(listing.stdout)")
    }

    @Test func namesFATCannotHoldAreRejected() throws {
        let folder = try Self.scratch("bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try Data().write(to: tree.appendingPathComponent("what?.txt"))
        #expect(throws: ToolError.self) { try FATWriter.write(try DirectoryTree(scanning: tree), to: folder.appendingPathComponent("x.img")) }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.img.partial").path))
    }

    @Test func shortNamesFollowTheRules() {
        #expect(FATNames.plainShortName("README.TXT") == Array("README  TXT".utf8))
        #expect(FATNames.plainShortName("A") == Array("A          ".utf8))
        #expect(FATNames.plainShortName("readme.txt") == nil)
        #expect(FATNames.plainShortName("TOOLONGNAME.TXT") == nil)
        #expect(FATNames.plainShortName("A.B.C") == nil)
        #expect(FATNames.plainShortName("A B") == nil)
        let basis = FATNames.basis(of: "naïve ☃.tar.gz")
        #expect(basis.base == Array("NA_VE_TA".utf8) && basis.ext == Array("GZ".utf8) && basis.lossy)
        #expect(!FATNames.basis(of: "readme.txt").lossy)
        #expect(FATNames.basis(of: ".htaccess").base == Array("HTACCESS".utf8))
        // The checksum of the specification's algorithm for a known name (as mtools writes it).
        #expect(FATNames.checksum(Array("_EMOJI~1MD ".utf8)) == 0x5B)
        let (date, time) = FATImageOutput.dosDateTime(Date(timeIntervalSince1970: 1_614_834_368))  // 2021-03-04 05:06:08 UTC
        #expect(date == (41 << 9 | 3 << 5 | 4) && time == (5 << 11 | 6 << 5 | 4))
    }

    /// Writer time for a 50 MB tree and the store's streaming rate for a 64 MiB file (printed).
    @Test(.enabled(if: available)) func measureWriterAndStreaming() async throws {
        let folder = try Self.scratch("measure")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree")
        for index in 0..<200 {
            let url = tree.appendingPathComponent("folder \(index % 10)/file \(index).bin")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Self.bytes(250_000, seed: UInt64(index)).write(to: url)
        }
        let image = folder.appendingPathComponent("m.img")
        var started = Date()
        try FATWriter.write(try DirectoryTree(scanning: tree), to: image)
        let writeSeconds = Date().timeIntervalSince(started)
        #expect(try Self.run("fsck.fat", ["-n", image.path]).status == 0)

        let big = folder.appendingPathComponent("big")
        try FileManager.default.createDirectory(at: big, withIntermediateDirectories: true)
        try Self.bytes(64 << 20, seed: 99).write(to: big.appendingPathComponent("video.bin"))
        let bigImage = folder.appendingPathComponent("big.img")
        try FATWriter.write(try DirectoryTree(scanning: big), to: bigImage)
        let store = try await FATStore.open(MemoryBlock(bytes: [UInt8](try Data(contentsOf: bigImage)), isWritable: false))
        let key = try KVKey("/video.bin")
        let host = [UInt8](try Data(contentsOf: big.appendingPathComponent("video.bin")))
        started = Date()
        var offset = 0, samples: [[UInt8]] = []
        while offset < 64 << 20 {
            let chunk = try await store.get(key, offset: offset, length: 1 << 20)
            if offset % (16 << 20) == 0 { samples.append(chunk) }
            offset += chunk.count
        }
        let streamSeconds = Date().timeIntervalSince(started)
        #expect(offset == 64 << 20)
        for (index, sample) in samples.enumerated() { #expect(sample == Array(host[(index * (16 << 20))..<(index * (16 << 20) + (1 << 20))])) }
        print("FAT measurements: writer 50 MB / 200 files in \(Int(writeSeconds * 1000)) ms; store streams 64 MiB in "
              + "1 MiB chunks from a MemoryBlock in \(Int(streamSeconds * 1000)) ms (\(Int(64 / streamSeconds)) MiB/s)")
    }
}

/// Counts the reads that reach an in-memory disk.
struct FATCountingMemoryBlock: BlockDevice {
    final class Counter { var reads = 0 }
    let inner: MemoryBlock
    let counter = Counter()
    var info: BlockInfo { inner.info }

    func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        counter.reads += 1
        try await inner.read(at: sector, into: &buffer)
    }

    func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) { throw .readOnly }
}
