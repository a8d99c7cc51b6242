import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A read-only key-value store over a FAT12, FAT16 or FAT32 file system on a block device:
/// folders are dictionaries, files are values, names are the long (VFAT) names.
///
/// The image is a whole volume (no partition table), as `swiftlet mkfs --fat` or
/// `mkfs.fat` on a file make it. Values are read straight from their clusters, a contiguous run
/// of clusters in one device read, so large files can be streamed in chunks.
///
/// ```swift
/// let store = try await FATStore.open(block)
/// for (name, kind) in try await store.list(.root) { print(name, kind) }
/// let head = try await store.get(try KVKey("/index.html"), offset: 0, length: 65536)
/// ```
///
/// Names are matched exactly: the long name, case and all, or for a file that has only an 8.3
/// name, that name as displayed (lowercase where the entry's flags say so).
public final class FATStore<Block: BlockDevice>: KeyValueStoreReadOnly {
    /// The volume's geometry, from its boot sector.
    public let volume: FATVolume
    private let block: Block
    private let table: FileAllocationTable<Block>
    /// Parsed folders by path (`""` for the root).
    private var folders: [String: FATFolder] = [:]
    /// The cluster runs of files read so far, by path.
    private var chains: [String: [FATExtent]] = [:]
    private var digests: [String: String] = [:]

    /// How many files' cluster runs are kept; the cache starts over when it is full.
    private static var chainCacheLimit: Int { 1024 }

    private init(block: Block, volume: FATVolume) {
        self.block = block
        self.volume = volume
        table = FileAllocationTable(block: block, volume: volume)
    }

    /// Reads and checks the boot sector and the root folder of the volume on `block`.
    /// A malformed or truncated image gives ``KVError/storageFailure(_:)`` saying what is wrong.
    public static func open(_ block: Block) async throws(KVError) -> FATStore {
        let bootSector = try await FATReads.read(block, at: 0, count: 512, what: "the boot sector")
        let volume = try FATVolume(bootSector: bootSector)
        guard volume.byteCount <= block.info.byteCount else {
            throw FATVolume.failure("the volume is \(Int(truncatingIfNeeded: volume.byteCount)) bytes but the device holds only \(Int(truncatingIfNeeded: block.info.byteCount)) (a truncated image?)")
        }
        let store = FATStore(block: block, volume: volume)
        try await store.table.load()
        _ = try await store.folder(path: "", entry: nil)
        return store
    }

    // MARK: KeyValueStoreReadOnly

    /// What `key` names, or `nil` when nothing is there.
    public func exists(_ key: KVKey) async throws(KVError) -> KVEntryKind? {
        if key.segments.isEmpty { return .dictionary }
        guard let entry = try await find(key) else { return nil }
        return entry.isDirectory ? .dictionary : .value
    }

    /// The whole value stored under `key`.
    public func get(_ key: KVKey) async throws(KVError) -> [UInt8] {
        try await get(key, offset: 0, length: try await size(key))
    }

    /// `length` bytes of the value under `key` from `offset`, clipped at the end of the value.
    /// Each contiguous run of clusters in the range is one device read.
    public func get(_ key: KVKey, offset: Int, length: Int) async throws(KVError) -> [UInt8] {
        let entry = try await file(key)
        guard let size = Int(exactly: entry.size) else { throw FATVolume.failure("\(key) is too large for this platform") }
        guard offset >= 0, length >= 0, offset <= size else { throw .outOfRange(key) }
        let end = offset + min(length, size - offset)
        if end == offset { return [] }
        let extents = try await chain(of: key, entry: entry, size: size)
        let clusterBytes = volume.bytesPerCluster

        // The run holding `offset`: the last one starting at or before it.
        var low = 0, high = extents.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if extents[middle].fileCluster * clusterBytes <= offset { low = middle } else { high = middle }
        }
        var result: [UInt8] = []
        var position = offset
        var index = low
        while position < end {
            guard index < extents.count else { throw FATVolume.failure("\(key): its clusters end before byte \(position)") }
            let extent = extents[index]
            let runStart = extent.fileCluster * clusterBytes
            let stop = min(end, runStart + extent.count * clusterBytes)
            let bytes = try await FATReads.read(
                block, at: volume.offset(ofCluster: extent.cluster) + UInt64(position - runStart), count: stop - position, what: "\(key)")
            if result.isEmpty && stop == end { return bytes }
            if result.isEmpty { result.reserveCapacity(end - offset) }
            result.append(contentsOf: bytes)
            position = stop
            index += 1
        }
        return result
    }

    /// The size of the value under `key`, in bytes.
    public func size(_ key: KVKey) async throws(KVError) -> Int {
        let entry = try await file(key)
        guard let size = Int(exactly: entry.size) else { throw FATVolume.failure("\(key) is too large for this platform") }
        return size
    }

    /// The entries of the folder `key`, sorted by name as UTF-8 bytes.
    public func list(_ key: KVKey) async throws(KVError) -> [(name: String, kind: KVEntryKind)] {
        let folder: FATFolder
        if key.segments.isEmpty {
            folder = try await self.folder(path: "", entry: nil)
        } else {
            guard let entry = try await find(key) else { throw .notFound(key) }
            guard entry.isDirectory else { throw .wrongKind(key) }
            folder = try await self.folder(path: key.description, entry: entry)
        }
        return folder.entries.map { (name: $0.name, kind: $0.isDirectory ? KVEntryKind.dictionary : .value) }
    }

    /// The SHA-256 of the value under `key` in lowercase hex, computed once and remembered.
    public func digest(_ key: KVKey) async throws(KVError) -> String {
        let path = key.description
        if let digest = digests[path] { return digest }
        let digest = try await sha256Digest(of: key)
        digests[path] = digest
        return digest
    }

    // MARK: Lookups

    /// The entry `key` names (not the root), or `nil` if a segment is missing or a file stands
    /// where a folder should be.
    private func find(_ key: KVKey) async throws(KVError) -> FATDirectoryEntry? {
        var folder = try await self.folder(path: "", entry: nil)
        var path = ""
        let segments = key.segments
        for (position, segment) in segments.enumerated() {
            guard let index = folder.positions[segment] else { return nil }
            let entry = folder.entries[index]
            if position == segments.count - 1 { return entry }
            guard entry.isDirectory else { return nil }
            path += "/" + segment
            folder = try await self.folder(path: path, entry: entry)
        }
        return nil
    }

    /// The file `key` names, or the right error.
    private func file(_ key: KVKey) async throws(KVError) -> FATDirectoryEntry {
        guard !key.segments.isEmpty else { throw .wrongKind(key) }
        guard let entry = try await find(key) else { throw .notFound(key) }
        guard !entry.isDirectory else { throw .wrongKind(key) }
        return entry
    }

    /// The cluster runs of the file `key`, which holds `size` bytes.
    private func chain(of key: KVKey, entry: FATDirectoryEntry, size: Int) async throws(KVError) -> [FATExtent] {
        let path = key.description
        if let extents = chains[path] { return extents }
        let count = size / volume.bytesPerCluster + (size % volume.bytesPerCluster == 0 ? 0 : 1)
        let extents = try await table.extents(from: entry.firstCluster, clusterCount: count, of: path)
        if chains.count >= Self.chainCacheLimit { chains.removeAll() }
        chains[path] = extents
        return extents
    }

    /// The parsed folder at `path`: the root when `entry` is `nil`.
    private func folder(path: String, entry: FATDirectoryEntry?) async throws(KVError) -> FATFolder {
        if let folder = folders[path] { return folder }
        var parser = FATDirectoryParser(usesHighClusterBits: volume.type == .fat32)
        let what = path.isEmpty ? "the root folder" : "folder \(path)"
        if entry == nil && volume.type != .fat32 {
            parser.consume(try await FATReads.read(
                block, at: volume.rootDirectoryOffset, count: volume.rootDirectoryByteCount, what: what))
        } else {
            let first = entry?.firstCluster ?? volume.rootCluster
            // The specification caps a folder at 65,536 entries of 32 bytes.
            let limit = max(1, (65536 * 32) / volume.bytesPerCluster)
            let extents = try await table.extents(ofFolderFrom: first, limit: limit, of: what)
            for extent in extents where !parser.ended {
                parser.consume(try await FATReads.read(
                    block, at: volume.offset(ofCluster: extent.cluster), count: extent.count * volume.bytesPerCluster, what: what))
            }
        }
        let folder = FATFolder(parser.entries)
        folders[path] = folder
        return folder
    }
}

/// A folder's entries sorted by name as UTF-8 bytes, with an index by name. When two entries
/// share a name (only a damaged or hand-made volume has that), the first one counts.
struct FATFolder {
    var entries: [FATDirectoryEntry] = []
    var positions: [String: Int] = [:]

    init(_ found: [FATDirectoryEntry]) {
        var seen: [String: Bool] = [:]
        var keyed: [SortableEntry] = []
        for entry in found where seen[entry.name] == nil {
            seen[entry.name] = true
            keyed.append(SortableEntry(bytes: Array(entry.name.utf8), entry: entry))
        }
        keyed.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        entries = keyed.map { $0.entry }
        for (index, entry) in entries.enumerated() { positions[entry.name] = index }
    }

    private struct SortableEntry {
        var bytes: [UInt8]
        var entry: FATDirectoryEntry
    }
}
