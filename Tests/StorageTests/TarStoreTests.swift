import Foundation
import Testing
import SwiftletDevices
import SwiftletStorage

private let gnuTar = TarSupport.hostTool("tar")
private let haveTools = gnuTar != nil && TarSupport.hostTool("sha256sum") != nil

@Suite struct TarStoreTests {
    // MARK: Archives made by GNU tar

    /// The same tree archived by GNU tar in each format reads back file for file: bytes, sizes,
    /// listings, kinds, ranges and digests (against sha256sum).
    @Test(.enabled(if: haveTools, "GNU tar and sha256sum are needed (apt install tar coreutils)"),
          arguments: ["ustar", "gnu", "pax"])
    func gnuTarArchivesReadBack(format: String) async throws {
        // ustar has no way to store a 150-byte name; the other formats must.
        let tree = try TarSupport.makeTree(longName: format != "ustar")
        defer { try? FileManager.default.removeItem(at: tree.root) }
        // With "." every name starts with "./"; with the top-level names listed, none does.
        let members = format == "gnu" ? try FileManager.default.contentsOfDirectory(atPath: tree.root.path).sorted() : ["."]
        let archive = try makeArchive(tree, format: format, members: members)
        if format == "gnu" { #expect(archive.contains("././@LongLink"), "the long name should need a GNU long name entry") }
        if format == "pax" { #expect(archive.contains("path="), "the long and UTF-8 names should need pax path records") }

        let store = try await TarStore.open(MemoryBlock(bytes: archive))
        try await verify(store, against: tree, digests: try TarSupport.sha256sum(tree))
        #expect(store.valueCount == tree.files.count)
    }

    /// Missing keys, the wrong kind and bad ranges give the conventional errors.
    @Test(.enabled(if: haveTools, "GNU tar is needed (apt install tar)"))
    func errorsFollowTheStoreConventions() async throws {
        let tree = try TarSupport.makeTree()
        defer { try? FileManager.default.removeItem(at: tree.root) }
        let store = try await TarStore.open(MemoryBlock(bytes: try makeArchive(tree, format: "pax")))
        let missing = try KVKey("/no/such/file")
        let folder = try KVKey("/a/b")
        let file = try KVKey("/a/b/513.bin")

        #expect(try await store.exists(.root) == .dictionary)
        #expect(try await store.exists(missing) == nil)
        #expect(try await store.exists(try KVKey("/index.html/child")) == nil)
        await #expect(throws: KVError.notFound(missing)) { try await store.get(missing) }
        await #expect(throws: KVError.notFound(missing)) { try await store.size(missing) }
        await #expect(throws: KVError.notFound(missing)) { try await store.list(missing) }
        await #expect(throws: KVError.notFound(missing)) { try await store.digest(missing) }
        await #expect(throws: KVError.wrongKind(folder)) { try await store.get(folder) }
        await #expect(throws: KVError.wrongKind(folder)) { try await store.get(folder, offset: 0, length: 1) }
        await #expect(throws: KVError.wrongKind(folder)) { try await store.size(folder) }
        await #expect(throws: KVError.wrongKind(folder)) { try await store.digest(folder) }
        await #expect(throws: KVError.wrongKind(.root)) { try await store.get(.root) }
        await #expect(throws: KVError.wrongKind(file)) { try await store.list(file) }
        await #expect(throws: KVError.outOfRange(file)) { try await store.get(file, offset: -1, length: 1) }
        await #expect(throws: KVError.outOfRange(file)) { try await store.get(file, offset: 514, length: 1) }
        await #expect(throws: KVError.outOfRange(file)) { try await store.get(file, offset: 0, length: -1) }
        #expect(try await store.get(file, offset: 513, length: 10) == [])
        #expect(try await store.get(file, offset: 510, length: 10).count == 3)
        #expect(try await store.get(file, offset: 0, length: .max).count == 513)
        #expect(try await store.get(try KVKey("/empty"), offset: 0, length: 0) == [])
    }

    /// Symbolic and hard links are not keys; the files they point at are.
    @Test(.enabled(if: haveTools, "GNU tar is needed (apt install tar)"))
    func linksAreLeftOut() async throws {
        var tree = TarSupport.Tree(root: try TarSupport.scratchFolder())
        defer { try? FileManager.default.removeItem(at: tree.root) }
        try tree.add("a-file", Array("target\n".utf8))
        try tree.add("dir/inside", Array("inside\n".utf8))
        try FileManager.default.createSymbolicLink(atPath: tree.root.appendingPathComponent("b-symlink").path, withDestinationPath: "a-file")
        try FileManager.default.createSymbolicLink(atPath: tree.root.appendingPathComponent("c-dirlink").path, withDestinationPath: "dir")
        try FileManager.default.linkItem(at: tree.root.appendingPathComponent("a-file"), to: tree.root.appendingPathComponent("d-hardlink"))
        for format in ["ustar", "gnu", "pax"] {
            let archive = try makeArchive(tree, format: format)
            #expect(archive.count > 0)
            let store = try await TarStore.open(MemoryBlock(bytes: archive))
            #expect(try await store.list(.root).map(\.name) == ["a-file", "dir"], "\(format)")
            #expect(try await store.exists(try KVKey("/b-symlink")) == nil)
            #expect(try await store.exists(try KVKey("/c-dirlink")) == nil)
            #expect(try await store.exists(try KVKey("/d-hardlink")) == nil)
            #expect(try await store.get(try KVKey("/a-file")) == Array("target\n".utf8))
        }
    }

    /// A header whose checksum does not match fails the open with a message naming the fault.
    @Test func badChecksumIsAStorageFailure() async throws {
        var archive = TarSupport.entry("file.txt", Array("hello".utf8)) + TarSupport.endOfArchive
        archive[0] = UInt8(ascii: "F")  // the name changes, the checksum does not
        do {
            _ = try await TarStore.open(MemoryBlock(bytes: archive))
            Issue.record("a bad checksum was accepted")
        } catch {
            guard case .storageFailure(let message) = error else { Issue.record("unexpected \(error)"); return }
            #expect(message.contains("checksum"))
            #expect(message.contains("byte 0"))
        }
        let wrong = TarSupport.header("x", checksum: 12345) + TarSupport.endOfArchive
        await #expect(throws: KVError.self) { try await TarStore.open(MemoryBlock(bytes: wrong)) }
        let unreadable = TarSupport.header("x", sizeField: Array("12z45678901\u{0}".utf8)) + TarSupport.endOfArchive
        await #expect(throws: KVError.self) { try await TarStore.open(MemoryBlock(bytes: unreadable)) }
    }

    /// An entry whose data runs past the end of the device is a malformed archive.
    @Test func dataPastTheEndIsAStorageFailure() async throws {
        let archive = TarSupport.header("big", size: 4096) + [UInt8](repeating: 7, count: 512)
        await #expect(throws: KVError.self) { try await TarStore.open(MemoryBlock(bytes: archive)) }
    }

    // MARK: Hand-made headers

    @Test func numericFieldsInOctalAndBase256() async throws {
        let base256: [UInt8] = [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x01]  // 513
        let spaced = Array("       1000 ".utf8)  // octal 1000 = 512, with blanks around it
        let archive = TarSupport.header("binary-size", sizeField: base256) + TarSupport.padded(TarSupport.bytes(count: 513, seed: 9))
            + TarSupport.header("spaced-size", sizeField: spaced) + TarSupport.bytes(count: 512, seed: 10)
            + TarSupport.endOfArchive
        let store = try await TarStore.open(MemoryBlock(bytes: archive))
        #expect(try await store.get(try KVKey("/binary-size")) == TarSupport.bytes(count: 513, seed: 9))
        #expect(try await store.get(try KVKey("/spaced-size")) == TarSupport.bytes(count: 512, seed: 10))
        // A negative base-256 number is no size.
        let negative: [UInt8] = [0xFF] + [UInt8](repeating: 0xFF, count: 11)
        await #expect(throws: KVError.self) {
            try await TarStore.open(MemoryBlock(bytes: TarSupport.header("n", sizeField: negative) + TarSupport.endOfArchive))
        }
    }

    /// `..` never becomes a key; leading `/` and `./` are stripped; folders are implied by paths.
    @Test func pathsAreNormalisedAndNeverEscape() async throws {
        let archive = TarSupport.entry("../evil", Array("x".utf8))
            + TarSupport.entry("a/../../evil2", Array("x".utf8))
            + TarSupport.entry("ok/..", Array("x".utf8))
            + TarSupport.entry("/absolute/file", Array("abs".utf8))
            + TarSupport.entry("./dot/./file", Array("dot".utf8))
            + TarSupport.entry("x/y/z.txt", Array("implied".utf8))
            + TarSupport.entry("./", [], typeflag: "5")
            + TarSupport.header("", nameBytes: [0xFF, 0xFE, 0x41])  // not UTF-8
            + TarSupport.endOfArchive
        let store = try await TarStore.open(MemoryBlock(bytes: archive))
        #expect(try await store.list(.root).map(\.name) == ["absolute", "dot", "x"])
        #expect(try await store.get(try KVKey("/absolute/file")) == Array("abs".utf8))
        #expect(try await store.get(try KVKey("/dot/file")) == Array("dot".utf8))
        #expect(try await store.list(try KVKey("/x")).map(\.name) == ["y"])
        #expect(try await store.list(try KVKey("/x/y")).map { "\($0.name) \($0.kind)" } == ["z.txt value"])
        #expect(try await store.exists(try KVKey("/ok")) == nil)
        #expect(store.valueCount == 3)
    }

    /// GNU long names, pax paths and sizes, ignored global headers, recorded digests,
    /// pre-POSIX folders, GNU headers' unused prefix, skipped types, later entries winning.
    @Test func extensionsAndOddEntries() async throws {
        let longName = String(repeating: "é", count: 120)  // 240 bytes of UTF-8
        let recorded = String(repeating: "ab", count: 32)
        let sized = TarSupport.bytes(count: 600, seed: 11)
        var archive = TarSupport.entry("././@LongLink", Array(("gnu/" + longName).utf8) + [0], typeflag: "L")
        archive += TarSupport.entry("gnu/truncated", Array("gnu long".utf8))
        archive += TarSupport.pax([("path", Array("global-name".utf8))], typeflag: "g")
        archive += TarSupport.entry("not-global", Array("g".utf8))
        archive += TarSupport.pax([("path", Array(("pax/" + longName).utf8)), ("SWIFTLET.sha256", Array(recorded.uppercased().utf8)),
                                   ("mtime", Array("1.5".utf8))])
        archive += TarSupport.entry("pax/truncated", Array("pax long".utf8))
        archive += TarSupport.pax([("size", Array("600".utf8))])
        archive += TarSupport.header("pax-size", size: 0) + TarSupport.padded(sized)
        archive += TarSupport.header("olddir/", typeflag: "0", magic: [UInt8](repeating: 0, count: 8))
        archive += TarSupport.entry("olddir/f", Array("v7".utf8))
        archive += TarSupport.header("g.txt", size: 1, prefix: "junk", magic: Array("ustar  \u{0}".utf8)) + TarSupport.padded([0x47])
        archive += TarSupport.header("p.txt", size: 1, prefix: "pre/fix") + TarSupport.padded([0x50])
        archive += TarSupport.entry("sparse", Array("s".utf8), typeflag: "S")
        archive += TarSupport.header("fifo", typeflag: "6", size: 4096)  // no data blocks, whatever the size says
        archive += TarSupport.entry("twice", Array("first".utf8))
        archive += TarSupport.entry("twice", Array("second".utf8))
        archive += TarSupport.entry("file-then-folder", Array("file".utf8))
        archive += TarSupport.entry("file-then-folder/child", Array("child".utf8))
        archive += TarSupport.entry("folder-then-file/child", Array("child".utf8))
        archive += TarSupport.entry("folder-then-file", Array("file".utf8))
        archive += TarSupport.endOfArchive
        let store = try await TarStore.open(MemoryBlock(bytes: archive))

        #expect(try await store.get(try KVKey("/gnu/" + longName)) == Array("gnu long".utf8))
        #expect(try await store.exists(try KVKey("/gnu/truncated")) == nil)
        #expect(try await store.get(try KVKey("/not-global")) == Array("g".utf8))
        #expect(try await store.exists(try KVKey("/global-name")) == nil)
        let paxKey = try KVKey("/pax/" + longName)
        #expect(try await store.get(paxKey) == Array("pax long".utf8))
        #expect(try await store.digest(paxKey) == recorded, "the recorded digest is used as it is")
        #expect(try await store.get(try KVKey("/pax-size")) == sized)
        #expect(try await store.exists(try KVKey("/olddir")) == .dictionary)
        #expect(try await store.get(try KVKey("/olddir/f")) == Array("v7".utf8))
        #expect(try await store.get(try KVKey("/g.txt")) == [0x47])
        #expect(try await store.get(try KVKey("/pre/fix/p.txt")) == [0x50])
        #expect(try await store.exists(try KVKey("/sparse")) == nil)
        #expect(try await store.exists(try KVKey("/fifo")) == nil)
        #expect(try await store.get(try KVKey("/twice")) == Array("second".utf8))
        #expect(try await store.exists(try KVKey("/file-then-folder")) == .dictionary)
        #expect(try await store.get(try KVKey("/file-then-folder/child")) == Array("child".utf8))
        #expect(try await store.exists(try KVKey("/folder-then-file")) == .dictionary)
        let twice = try KVKey("/twice")
        #expect(try await store.digest(twice) == SHA256.hash(Array("second".utf8)).hex)
        #expect(try await store.digest(twice) == SHA256.hash(Array("second".utf8)).hex, "cached")
    }

    /// The archive ends at one zero block or at the end of the device.
    @Test func endOfArchive() async throws {
        let unterminated = TarSupport.entry("a", Array("a".utf8))
        #expect(try await TarStore.open(MemoryBlock(bytes: unterminated)).list(.root).map(\.name) == ["a"])
        let afterZero = TarSupport.entry("a", Array("a".utf8)) + [UInt8](repeating: 0, count: 512) + TarSupport.entry("b", [])
        #expect(try await TarStore.open(MemoryBlock(bytes: afterZero)).list(.root).map(\.name) == ["a"])
        let empty = try await TarStore.open(MemoryBlock(bytes: TarSupport.endOfArchive))
        #expect(try await empty.list(.root).isEmpty)
        #expect(try await empty.exists(.root) == .dictionary)
        let nothing = try await TarStore.open(MemoryBlock(sectorCount: 0))
        #expect(try await nothing.list(.root).isEmpty)
    }

    /// Works on devices with sectors larger than a tar block.
    @Test func largeSectors() async throws {
        let data = TarSupport.bytes(count: 5000, seed: 12)
        let archive = TarSupport.entry("one", [1, 2, 3]) + TarSupport.entry("two", data) + TarSupport.endOfArchive
        let store = try await TarStore.open(MemoryBlock(bytes: archive, sectorSize: 4096))
        #expect(try await store.get(try KVKey("/two"), offset: 4001, length: 2000) == Array(data[4001...]))
        #expect(try await store.get(try KVKey("/one")) == [1, 2, 3])
    }

    // MARK: Corruption

    /// Thousands of damaged archives (bytes flipped in headers with and without a fixed-up
    /// checksum, garbage sizes, truncation, noise anywhere) open or fail with an error, and then
    /// every listed key can be read or throws: nothing traps.
    @Test(.enabled(if: haveTools, "GNU tar is needed (apt install tar)"))
    func corruptedArchivesOpenOrFailCleanly() async throws {
        var tree = TarSupport.Tree(root: try TarSupport.scratchFolder())
        defer { try? FileManager.default.removeItem(at: tree.root) }
        try tree.add("index.html", Array("<p>hi</p>".utf8))
        try tree.add("empty", [])
        try tree.add("a/b/c.txt", TarSupport.bytes(count: 1500, seed: 20))
        try tree.add("héllo wörld/ünï.txt", TarSupport.bytes(count: 700, seed: 21))
        try tree.add("a/" + String(repeating: "q", count: 130), TarSupport.bytes(count: 3, seed: 22))
        try tree.add("z/513", TarSupport.bytes(count: 513, seed: 23))
        let originals = [try makeArchive(tree, format: "pax"), try makeArchive(tree, format: "gnu")]

        var random = SeededGenerator(seed: 0x7A5)
        var opened = 0, failed = 0
        for round in 0..<3000 {
            var archive = originals[round % 2]
            let headers = headerOffsets(archive)
            let header = headers[Int(random.next() % UInt64(headers.count))]
            switch random.next() % 6 {
            case 0:  // flipped bytes, checksum left stale
                for _ in 0...(random.next() % 4) { archive[header + Int(random.next() % 512)] ^= UInt8(truncatingIfNeeded: random.next() | 1) }
            case 1:  // flipped bytes in the interesting fields, checksum fixed so the parser sees them
                for _ in 0...(random.next() % 4) {
                    let fields = [0, 50, 99, 124, 130, 135, 156, 257, 263, 345, 400, 499]
                    let spot = fields[Int(random.next() % UInt64(fields.count))] + Int(random.next() % 4)
                    archive[header + min(spot, 511)] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
                TarSupport.fixChecksum(&archive, at: header)
            case 2:  // a random size field: octal digits, base-256 or noise
                var field = (0..<12).map { _ in UInt8(ascii: "0") + UInt8(random.next() % 8) }
                if random.next() % 2 == 0 { field[0] = 0x80 | UInt8(random.next() % 2 == 0 ? 0 : 0x7F) }
                if random.next() % 3 == 0 { field = (0..<12).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
                archive.replaceSubrange((header + 124)..<(header + 136), with: field)
                TarSupport.fixChecksum(&archive, at: header)
            case 3:  // a random type flag
                archive[header + 156] = UInt8(truncatingIfNeeded: random.next())
                TarSupport.fixChecksum(&archive, at: header)
            case 4:  // truncated anywhere
                archive.removeLast(Int(random.next() % UInt64(archive.count)))
            default:  // noise anywhere (pax records, names, data), headers re-checksummed
                for _ in 0...(random.next() % 16) { archive[Int(random.next() % UInt64(archive.count))] = UInt8(truncatingIfNeeded: random.next()) }
                for offset in headers { TarSupport.fixChecksum(&archive, at: offset) }
            }
            do {
                let store = try await TarStore.open(MemoryBlock(bytes: archive))
                opened += 1
                await exercise(store, random: &random)
            } catch {
                failed += 1
            }
        }
        print("tar corruption: 3000 archives, \(opened) opened, \(failed) refused")
        #expect(opened > 300 && failed > 300, "both outcomes should be exercised")
    }

    // MARK: Performance

    /// Opening reads only headers: 5,000 entries index quickly, with or without a pax header
    /// (the digest record `swiftlet mkfs` writes) before each.
    @Test(arguments: [false, true])
    func scanningFiveThousandEntriesIsFast(withPaxHeaders: Bool) async throws {
        var archive: [UInt8] = []
        archive.reserveCapacity(5000 * 2048)
        let digest = Array(String(repeating: "0f", count: 32).utf8)
        let pax = TarSupport.pax([("SWIFTLET.sha256", digest)])
        let data = [UInt8](repeating: 0x41, count: 700)
        for index in 0..<5000 {
            if withPaxHeaders { archive += pax }
            archive += TarSupport.entry("site/section\(index % 50)/page\(index).html", data)
        }
        archive += TarSupport.endOfArchive
        let block = MemoryBlock(bytes: archive)
        let clock = ContinuousClock()
        var store: TarStore<MemoryBlock>?
        let cpuBefore = threadCPUTime()
        let elapsed = try await clock.measure { store = try await TarStore.open(block) }
        let cpu = threadCPUTime() - cpuBefore  // the scan never suspends on a MemoryBlock
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        print("tar scan: 5000 entries (\(withPaxHeaders ? 10000 : 5000) headers) in \(Int(milliseconds)) ms, \(Int(cpu * 1000)) ms CPU (debug build)")
        #expect(store?.valueCount == 5000)
        #expect(try await store?.list(try KVKey("/site")).count == 50)
        if withPaxHeaders { #expect(try await store?.digest(try KVKey("/site/section3/page3.html")) == String(repeating: "0f", count: 32)) }
        // Generous: the suite runs tests in parallel; alone this takes well under 100 ms.
        #expect(milliseconds < 1000, "scanning took \(milliseconds) ms")
    }

    /// A ranged get is one device read of just the sectors it needs.
    @Test func rangedGetIsOneDeviceRead() async throws {
        let data = TarSupport.bytes(count: 3 << 20, seed: 30)
        let block = CountingBlock(inner: MemoryBlock(bytes: TarSupport.entry("big", data) + TarSupport.endOfArchive))
        let store = try await TarStore.open(block)
        let key = try KVKey("/big")
        block.counter.reads = 0
        block.counter.bytes = 0
        let chunk = try await store.get(key, offset: (1 << 20) + 5, length: 1 << 20)
        #expect(chunk == Array(data[((1 << 20) + 5)..<((2 << 20) + 5)]))
        #expect(block.counter.reads == 1)
        #expect(block.counter.bytes == (1 << 20) + 512, "only the covering sectors")
    }

    /// Read throughput of a 64 MiB value streamed in 1 MiB chunks from memory.
    @Test func streamingThroughput() async throws {
        let size = 64 << 20
        var data = [UInt8](repeating: 0x5A, count: size)
        for chunk in 0..<64 { data[chunk << 20] = UInt8(chunk) }
        let store = try await TarStore.open(MemoryBlock(bytes: TarSupport.header("big", size: UInt64(size)) + data + TarSupport.endOfArchive))
        data = []
        let key = try KVKey("/big")
        let clock = ContinuousClock()
        var total = 0
        var firstBytesRight = true
        let elapsed = try await clock.measure {
            var offset = 0
            while offset < size {
                let chunk = try await store.get(key, offset: offset, length: 1 << 20)
                firstBytesRight = firstBytesRight && chunk.first == UInt8(offset >> 20)
                total += chunk.count
                offset += chunk.count
            }
        }
        let seconds = Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)
        print("tar read throughput: \(Int(Double(total) / seconds / 1e6)) MB/s streaming 64 MiB in 1 MiB chunks (debug build, MemoryBlock)")
        #expect(total == size)
        #expect(firstBytesRight)
    }

    // MARK: Helpers

    /// Archives `tree` with GNU tar (names sorted, so archives are reproducible).
    func makeArchive(_ tree: TarSupport.Tree, format: String, members: [String] = ["."]) throws -> [UInt8] {
        let output = tree.root.deletingLastPathComponent().appendingPathComponent("\(tree.root.lastPathComponent)-\(format).tar")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try TarSupport.run(try #require(gnuTar), ["--format=\(format)", "--sort=name", "-cf", output.path, "-C", tree.root.path] + members)
        try #require(result.status == 0, "tar failed: \(result.stderr)")
        return Array(try Data(contentsOf: output))
    }

    /// Every file and folder of `tree` through the store.
    func verify(_ store: TarStore<MemoryBlock>, against tree: TarSupport.Tree, digests: [String: String]) async throws {
        #expect(digests.count == tree.files.count, "sha256sum gave a digest per file")
        for (path, bytes) in tree.files {
            let key = try KVKey(path)
            #expect(try await store.exists(key) == .value, "\(path)")
            #expect(try await store.size(key) == bytes.count, "\(path)")
            #expect(try await store.get(key) == bytes, "\(path)")
            for (offset, length) in [(0, 0), (1, 7), (bytes.count / 3, 1001), (max(0, bytes.count - 3), 10), (bytes.count, 5), (bytes.count / 2, 1 << 20)] {
                let start = min(offset, bytes.count)
                let expected = Array(bytes[start..<min(bytes.count, start + length)])
                #expect(try await store.get(key, offset: start, length: length) == expected, "\(path) at \(start)+\(length)")
            }
            #expect(try await store.digest(key) == digests[path], "\(path)")
        }
        for folder in tree.folders.union([""]) {
            let key = try KVKey(folder)
            #expect(try await store.exists(key) == .dictionary, "\(folder)")
            let listed = try await store.list(key).map { "\($0.name) \($0.kind)" }
            #expect(listed == tree.children(of: folder).map { "\($0.name) \($0.kind)" }, "\(folder)")
        }
    }

    /// Offsets of the blocks that are headers in an intact archive (their checksums hold).
    func headerOffsets(_ archive: [UInt8]) -> [Int] {
        stride(from: 0, to: archive.count - 511, by: 512).filter { offset in
            let block = Array(archive[offset..<(offset + 512)])
            guard block.contains(where: { $0 != 0 }) else { return false }
            var copy = block
            for index in 148..<156 { copy[index] = 0x20 }
            let sum = copy.reduce(0) { $0 + Int($1) }
            let field = block[148..<154].compactMap { $0 >= 0x30 && $0 <= 0x37 ? Int($0 - 0x30) : nil }
            return field.count == 6 && field.reduce(0) { $0 * 8 + $1 } == sum
        }
    }

    /// Walks every listed key and calls everything on it; errors are fine, traps are not.
    func exercise(_ store: TarStore<MemoryBlock>, random: inout SeededGenerator) async {
        var pending: [KVKey] = [.root]
        var visited = 0
        while let key = pending.popLast(), visited < 10_000 {
            visited += 1
            _ = try? await store.exists(key)
            if let entries = try? await store.list(key) {
                for entry in entries {
                    if let child = try? key.appending(entry.name) { pending.append(child) }
                }
                continue
            }
            guard let size = try? await store.size(key) else { continue }
            if let whole = try? await store.get(key) { #expect(whole.count == size) }
            let offset = size == 0 ? 0 : Int(random.next() % UInt64(size + 1))
            if let part = try? await store.get(key, offset: offset, length: 1000) { #expect(part.count == min(1000, size - offset)) }
            _ = try? await store.get(key, offset: size + 1, length: 1)
            _ = try? await store.digest(key)
        }
    }
}

/// CPU seconds used by this thread: steadier than wall time on a busy machine.
private func threadCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

private extension Array where Element == UInt8 {
    func contains(_ text: String) -> Bool {
        Data(self).range(of: Data(text.utf8)) != nil
    }
}
