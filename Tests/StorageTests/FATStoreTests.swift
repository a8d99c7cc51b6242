import Foundation
import Testing
import SwiftletDevices
import SwiftletStorage

/// The FAT store against volumes made by dosfstools' mkfs.fat and filled by mtools' mcopy:
/// every file, folder listing and digest must match the host tree they were copied from.
@Suite struct FATStoreTests {
    struct Variant: Sendable, CustomStringConvertible {
        var description: String
        var mkfs: [String]
        var size: String
        var deviceSectorSize = 512
        var type: FATVolumeType
    }

    static let variants = [
        Variant(description: "FAT12", mkfs: ["-F", "12"], size: "4M", type: .fat12),
        Variant(description: "FAT16", mkfs: ["-F", "16"], size: "64M", type: .fat16),
        Variant(description: "FAT16, 4096-byte volume sectors", mkfs: ["-F", "16", "-S", "4096"], size: "64M", type: .fat16),
        Variant(description: "FAT16 on a 4096-byte-sector device", mkfs: ["-F", "16"], size: "64M", deviceSectorSize: 4096, type: .fat16),
        Variant(description: "FAT32", mkfs: ["-F", "32"], size: "300M", type: .fat32),
        Variant(description: "FAT32, 512-byte clusters", mkfs: ["-F", "32", "-s", "1"], size: "64M", type: .fat32),
    ]

    static let bigSize = 3 * 1024 * 1024 + 12_345

    /// A fresh image of `variant` holding the test tree; returns the image and the tree.
    static func makeImage(_ variant: Variant, in folder: URL, bigSize: Int = bigSize) throws -> (image: URL, tree: URL) {
        let tree = folder.appendingPathComponent("tree")
        try FATTestTree.make(at: tree, bigSize: bigSize, seed: 7)
        let image = folder.appendingPathComponent("volume.img")
        try FATHostTools.check("truncate", ["-s", variant.size, image.path])
        try FATHostTools.check("mkfs.fat", variant.mkfs + [image.path])
        try FATTestTree.copy(tree, into: image)
        return (image, tree)
    }

    @Test(.enabled(if: FATHostTools.available), arguments: variants)
    func readsEveryFileAsTheHostHasIt(_ variant: Variant) async throws {
        let folder = try FATHostTools.scratch("store")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (image, tree) = try Self.makeImage(variant, in: folder)
        let store = try await FATStore.open(try FATFileBlock(image, sectorSize: variant.deviceSectorSize))
        #expect(store.volume.type == variant.type)
        if variant.mkfs.contains("4096") { #expect(store.volume.bytesPerSector == 4096) }

        let digests = try Self.sha256sums(under: tree)
        var files = 0
        try await Self.compare(store, folder: tree, key: .root, digests: digests, files: &files)
        #expect(files == 49)
        #expect(try await store.exists(KVKey("/café/naïve ☃.txt")) == .value)
        #expect(try await store.exists(KVKey("/index.htm")) == .value, "the lowercase flags of an 8.3-only name")
        #expect(try await store.exists(KVKey("/INDEX.HTM")) == nil, "names match exactly")
        #expect(try await store.list(KVKey("/a/empty folder")).isEmpty)

        try await Self.checkRanges(store, key: KVKey("/big/data.bin"), host: tree.appendingPathComponent("big/data.bin"))
        try await Self.checkErrors(store)
    }

    /// Listings, kinds, sizes, whole values and digests of everything under `folder`.
    static func compare(_ store: FATStore<some BlockDevice>, folder: URL, key: KVKey, digests: [String: String], files: inout Int) async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let listed = try await store.list(key)
        #expect(listed.map(\.name) == names, "listing of \(key)")
        for entry in listed {
            let url = folder.appendingPathComponent(entry.name)
            let child = try key.appending(entry.name)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            #expect(entry.kind == (isDirectory.boolValue ? .dictionary : .value), "kind of \(child)")
            #expect(try await store.exists(child) == entry.kind)
            if isDirectory.boolValue {
                try await compare(store, folder: url, key: child, digests: digests, files: &files)
            } else {
                files += 1
                let host = [UInt8](try Data(contentsOf: url))
                #expect(try await store.size(child) == host.count, "size of \(child)")
                #expect(try await store.get(child) == host, "bytes of \(child)")
                #expect(try await store.digest(child) == digests[url.path], "digest of \(child)")
            }
        }
    }

    /// sha256sum of every file under `folder`, by path.
    static func sha256sums(under folder: URL) throws -> [String: String] {
        var paths: [String] = []
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            if (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true { paths.append(url.path) }
        }
        let output = try FATHostTools.run("sha256sum", paths)
        var digests: [String: String] = [:]
        for line in output.stdout.split(separator: "\n") where line.count > 66 {
            digests[String(line.dropFirst(66))] = String(line.prefix(64))
        }
        #expect(digests.count == paths.count)
        return digests
    }

    /// Ranges around cluster boundaries, at odd offsets, past the end and out of range.
    static func checkRanges(_ store: FATStore<some BlockDevice>, key: KVKey, host: URL) async throws {
        let bytes = [UInt8](try Data(contentsOf: host))
        let cluster = store.volume.bytesPerCluster
        let size = bytes.count
        let offsets = [0, 1, cluster - 1, cluster, cluster + 1, 2 * cluster - 1, 7 * cluster + 3, 1_000_003, size - cluster, size - 1, size]
        let lengths = [0, 1, 2, cluster, cluster + 1, 3 * cluster - 1, 1 << 20, (1 << 20) + 5, size]
        for offset in offsets {
            for length in lengths {
                let expected = Array(bytes[offset..<min(size, offset + length)])
                #expect(try await store.get(key, offset: offset, length: length) == expected, "offset \(offset) length \(length)")
            }
        }
        #expect(try await store.get(key, offset: size, length: 10) == [])
        await #expect(throws: KVError.outOfRange(key)) { try await store.get(key, offset: size + 1, length: 1) }
        await #expect(throws: KVError.outOfRange(key)) { try await store.get(key, offset: -1, length: 1) }
        await #expect(throws: KVError.outOfRange(key)) { try await store.get(key, offset: 0, length: -1) }
    }

    static func checkErrors(_ store: FATStore<some BlockDevice>) async throws {
        let missing = try KVKey("/nothing here")
        let folder = try KVKey("/a/b")
        let file = try KVKey("/UPPER.TXT")
        #expect(try await store.exists(.root) == .dictionary)
        #expect(try await store.exists(missing) == nil)
        #expect(try await store.exists(KVKey("/UPPER.TXT/inside")) == nil)
        await #expect(throws: KVError.notFound(missing)) { try await store.get(missing) }
        await #expect(throws: KVError.notFound(missing)) { try await store.list(missing) }
        await #expect(throws: KVError.wrongKind(folder)) { try await store.get(folder) }
        await #expect(throws: KVError.wrongKind(folder)) { try await store.size(folder) }
        await #expect(throws: KVError.wrongKind(folder)) { try await store.digest(folder) }
        await #expect(throws: KVError.wrongKind(.root)) { try await store.size(.root) }
        await #expect(throws: KVError.wrongKind(file)) { try await store.list(file) }
    }

    /// A 1 MiB chunk of a contiguous file is one device read (two at most when unaligned).
    @Test(.enabled(if: FATHostTools.available), arguments: [variants[1], variants[4]])
    func chunksAreSingleDeviceReads(_ variant: Variant) async throws {
        let folder = try FATHostTools.scratch("reads")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (image, _) = try Self.makeImage(variant, in: folder)
        let block = FATCountingBlock(inner: try FATFileBlock(image))
        let store = try await FATStore.open(block)
        let key = try KVKey("/big/data.bin")
        _ = try await store.get(key, offset: 0, length: 1)  // finds the file and its clusters
        block.counter.reads = 0
        let chunk = try await store.get(key, offset: 1 << 20, length: 1 << 20)
        #expect(chunk.count == 1 << 20)
        #expect(block.counter.reads == 1)
        block.counter.reads = 0
        _ = try await store.get(key, offset: 12_345, length: 1 << 20)
        #expect(block.counter.reads <= 2)
    }

    @Test func garbageIsAStorageFailure() async throws {
        let zeros = MemoryBlock(sectorCount: 64)
        await #expect(throws: KVError.storageFailure("FAT: no boot sector signature 0x55AA at byte 510")) {
            try await FATStore.open(zeros)
        }
        var bytes = [UInt8](repeating: 0, count: 512)
        bytes[510] = 0x55
        bytes[511] = 0xAA
        bytes[11] = 0x00
        bytes[12] = 0x02
        await #expect(throws: KVError.self) { try await FATStore.open(MemoryBlock(bytes: bytes)) }
        await #expect(throws: KVError.self) { try await FATStore.open(MemoryBlock(sectorCount: 0)) }
    }

    // MARK: Damaged volumes

    struct Base {
        var bytes: FATPatchedBlock.Base
        var volume: FATVolume
        var description: String
    }

    static func corruptionBases(in folder: URL) throws -> [Base] {
        let specs = [
            Variant(description: "FAT12", mkfs: ["-F", "12"], size: "1440K", type: .fat12),
            Variant(description: "FAT16", mkfs: ["-F", "16", "-s", "1"], size: "4M", type: .fat16),
            Variant(description: "FAT32", mkfs: ["-F", "32", "-s", "1"], size: "40M", type: .fat32),
        ]
        var bases: [Base] = []
        for spec in specs {
            let sub = folder.appendingPathComponent(spec.description)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            let (image, _) = try makeImage(spec, in: sub, bigSize: 100_000)
            let bytes = [UInt8](try Data(contentsOf: image))
            let volume = try FATVolume(bootSector: Array(bytes[0..<512]))
            #expect(volume.type == spec.type)
            bases.append(Base(bytes: FATPatchedBlock.Base(bytes), volume: volume, description: spec.description))
        }
        return bases
    }

    /// Thousands of damaged images (bytes changed in the boot sector, the table, folders and
    /// anywhere; table entries made into loops; images cut short): each opens or fails with a
    /// KVError, and every operation on it returns or throws — no trap, no hang.
    @Test(.enabled(if: FATHostTools.available)) func damagedVolumesNeverTrapOrHang() async throws {
        let folder = try FATHostTools.scratch("damage")
        defer { try? FileManager.default.removeItem(at: folder) }
        let started = Date()
        var opened = 0, operations = 0, images = 0
        for (number, base) in try Self.corruptionBases(in: folder).enumerated() {
            var random = FATSeededGenerator(seed: 0xFA7 + UInt64(number))
            let volume = base.volume
            let size = base.bytes.bytes.count
            let table = Int(volume.tableOffset)
            let root = volume.type == .fat32
                ? Int(volume.dataOffset) + (Int(volume.rootCluster) - 2) * volume.bytesPerCluster
                : Int(volume.rootDirectoryOffset)
            let data = Int(volume.dataOffset)
            let width = volume.type == .fat32 ? 4 : 2
            for _ in 0..<1500 {
                var patches: [Int: UInt8] = [:]
                var length = size
                switch random.next() % 7 {
                case 0:  // boot sector fields
                    for _ in 0..<(1 + random.next() % 3) { patches[Int(random.next() % 90)] = UInt8(truncatingIfNeeded: random.next()) }
                case 1:  // table bytes near the start, where the files' chains are
                    for _ in 0..<(1 + random.next() % 6) { patches[table + Int(random.next() % 1024)] = UInt8(truncatingIfNeeded: random.next()) }
                case 2:  // a loop or a stray link in the table (FAT12 entries are not byte-aligned: any bytes will do)
                    let cluster = 2 + Int(random.next() % 300)
                    let target = UInt64(random.next() % 3 == 0 ? cluster : 2 + Int(random.next() % 300)) | (random.next() % 4 == 0 ? 0xFFF0 : 0)
                    for index in 0..<width { patches[table + cluster * width + index] = UInt8(truncatingIfNeeded: target >> (8 * UInt64(index))) }
                case 3:  // root folder records
                    for _ in 0..<(1 + random.next() % 6) { patches[root + Int(random.next() % 2048)] = UInt8(truncatingIfNeeded: random.next()) }
                case 4:  // the first data clusters, where the subfolders are
                    for _ in 0..<(1 + random.next() % 8) { patches[data + Int(random.next() % 65536)] = UInt8(truncatingIfNeeded: random.next()) }
                case 5:  // cut short
                    length = Int(random.next() % UInt64(size))
                default:  // anywhere, single bit flips
                    for _ in 0..<(1 + random.next() % 8) {
                        let offset = Int(random.next() % UInt64(min(size, data + 262_144)))
                        patches[offset] = base.bytes.bytes[offset] ^ (1 << UInt8(random.next() % 8))
                    }
                }
                images += 1
                let block = FATPatchedBlock(base: base.bytes, patches: patches, byteCount: length)
                guard let store = try? await FATStore.open(block) else { continue }
                opened += 1
                var budget = 200
                await Self.exercise(store, key: .root, depth: 0, budget: &budget, random: &random)
                operations += 200 - budget
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("FAT damage: \(images) images, \(opened) opened, \(operations) folders walked in \(Int(seconds)) s")
        #expect(images == 4500)
        #expect(seconds < 600)
    }

    /// Walks a (possibly damaged) store with every operation; errors are fine, traps are not.
    static func exercise(_ store: FATStore<some BlockDevice>, key: KVKey, depth: Int, budget: inout Int, random: inout FATSeededGenerator) async {
        guard depth < 6, budget > 0 else { return }
        budget -= 1
        guard let listing = try? await store.list(key) else { return }
        for entry in listing.prefix(20) {
            guard let child = try? key.appending(entry.name) else { continue }
            _ = try? await store.exists(child)
            if entry.kind == .dictionary {
                await exercise(store, key: child, depth: depth + 1, budget: &budget, random: &random)
                _ = try? await store.get(child)
                continue
            }
            guard let size = try? await store.size(child) else { continue }
            _ = try? await store.get(child, offset: 0, length: min(size, 8192))
            _ = try? await store.get(child, offset: Int(random.next() % UInt64(size + 1)), length: 70_000)
            if size < 4096 && random.next() % 8 == 0 { _ = try? await store.digest(child) }  // SHA-256 is slow in debug builds
            _ = try? await store.list(child)
        }
    }

    /// Chains that loop or leave the volume are storage failures, found without hanging.
    @Test(.enabled(if: FATHostTools.available)) func loopsAndStrayLinksAreStorageFailures() async throws {
        let folder = try FATHostTools.scratch("loops")
        defer { try? FileManager.default.removeItem(at: folder) }
        for base in try Self.corruptionBases(in: folder) where base.volume.type != .fat12 {
            let width = base.volume.type == .fat32 ? 4 : 2
            let end: UInt64 = base.volume.type == .fat32 ? 0x0FFF_FFF8 : 0xFFF8
            for replacement in [UInt64(2), 0xFFF0] {
                // Every end-of-chain marker (but entries 0 and 1) now continues to `replacement`.
                var patches: [Int: UInt8] = [:]
                let table = Int(base.volume.tableOffset)
                for cluster in 2..<(Int(base.volume.clusterCount) + 2) {
                    var value: UInt64 = 0
                    for index in 0..<width { value |= UInt64(base.bytes.bytes[table + cluster * width + index]) << (8 * UInt64(index)) }
                    if value & 0x0FFF_FFFF >= end {
                        for index in 0..<width { patches[table + cluster * width + index] = UInt8(truncatingIfNeeded: replacement >> (8 * UInt64(index))) }
                    }
                }
                let block = FATPatchedBlock(base: base.bytes, patches: patches, byteCount: base.bytes.bytes.count)
                do {
                    let store = try await FATStore.open(block)
                    _ = try await store.get(KVKey("/big/data.bin"))
                    Issue.record("\(base.description): a damaged chain was read")
                } catch {
                    guard case .storageFailure = error else { Issue.record("\(base.description): \(error)"); continue }
                }
            }
        }
    }
}
