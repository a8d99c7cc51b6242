import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// Swiftlet's writable key-value store: a log of changes on a block device (MirageOS's
/// `Mirage_kv.RW`, in the manner of a log-structured file system).
///
/// ```swift
/// let store = try await LogStore.open(disk)          // formats a blank disk
/// try await store.set(try KVKey("/config/motd"), Array("hello".utf8))
/// try await store.rename(try KVKey("/config"), to: try KVKey("/settings"))
/// let text = try await store.get(try KVKey("/settings/motd"))
/// ```
///
/// Every change is durable and atomic when its call returns: after a crash at any point the
/// store reopens with everything that returned before, and with the interrupted change either
/// fully applied or not at all.
///
/// ## On the disk
///
/// - Sectors 0 and 1 hold two copies of the superblock (`Superblock`, `LogFormat.swift`):
///   magic, format version, sector size, region size, a sequence number, the active region,
///   the active epoch, the next unused epoch, how many records the compaction that started
///   the log wrote, and a CRC-32C. They are written alternately; the valid copy with the
///   highest sequence wins, so a torn superblock write leaves the other. If the winner's log
///   ends inside its compacted records (damage: a crash cannot do that, the superblock is
///   written after them), the other copy, which names the log as it was before, is used.
/// - The rest is two equal log regions. The active one holds the log: records appended one
///   after the other from its first sector. A record is a 40-byte header (magic, kind
///   set/remove/rename, epoch, sequence, key lengths, value length, CRC-32C over header, keys
///   and value), the key(s) in `/a/b` form and the value, padded to whole sectors, so a torn
///   write can only damage the record being written, never an earlier one.
/// - Opening picks the superblock and replays the active region from its start while records
///   are valid: right magic, the active epoch, the next sequence number, a matching checksum.
///   The first one that is not is the end of the log (a torn tail); the next append overwrites
///   it. A damaged record that is followed by a valid next one is bit rot, not a torn tail:
///   opening then fails rather than silently dropping the later records.
/// - Memory holds only the index (key → where the value's bytes are); reads go to the disk and
///   read only the sectors they need. Digests are computed on first use and cached.
/// - When the active region cannot take a record, the store compacts: it writes the state
///   *after* the change (every live value as a fresh set record) into the other region, then a
///   superblock naming that region. That superblock write is the commit point: until it lands
///   the old region is untouched and still the store. If the new state does not fit a region,
///   the change fails with ``KVError/noSpace`` and nothing is written.
///
/// ## Why epochs
///
/// The brief for this store tagged records with the superblock's generation. That is not
/// enough: a compaction that crashes before its superblock lands leaves records of generation
/// g + 1 in the other region; the next attempt reuses g + 1, and once it commits, appends walk
/// over those stale records, which carry the right generation and, by bad luck, the right
/// sequence numbers. A later torn append could then expose one as if it were the next change.
/// So every compaction first writes a superblock that reserves a fresh epoch (`nextEpoch`),
/// and records carry the epoch: stale records beyond the end of the log always carry another.
/// Formatting zeroes the first record's sector and starts above any epoch found at the start
/// of either region, in case the disk held an older store.
///
/// ## Assumptions and limits
///
/// - A write that returned is on the disk; writing one sector is atomic; a write that was in
///   flight at a crash may have landed any subset of its sectors. The device must not reorder a
///   write before one that returned (the platform's block device completes writes in order).
/// - CRC-32C catches torn writes and random damage, not a value crafted to contain a valid
///   record header that a torn write then exposes, nor a 1-in-2³² checksum match.
/// - Sectors of 128 bytes to 1 MiB. Values up to 16 MiB, keys up to 1024 bytes in `/a/b` form. Each region must hold the whole
///   live state, so a store holds a bit less than half its disk.
/// - Changes are serialized (an ``AsyncMutex``), reads are not: a read that raced a compaction
///   into the region it was reading from retries. Meant for Swiftlet's single-threaded executor.
public final class LogStore<Block: BlockDevice>: KeyValueStore {
    let block: Block
    let sectorSize: Int
    var superblock: Superblock
    /// The slot (0 or 1) of the newest superblock: the next write goes to the other.
    var superblockSlot: Int
    let index: LogIndex
    /// Where the next record goes, in sectors from the start of the active region.
    var tail: UInt64
    /// The sequence number of the next record in the active epoch.
    var nextSequence: UInt64
    let mutations = AsyncMutex()
    /// Bumped when a compaction starts writing a region: a read that saw it change retries.
    var compactionsStarted: UInt64 = 0
    /// Bumped by every change: a digest computed across one is not cached.
    var changeCount: UInt64 = 0
    /// Set when a superblock write failed: what is on the disk is then unknown, so further
    /// changes are refused until the store is reopened.
    var failure: String? = nil

    /// How many compactions this handle has made (for diagnostics and benchmarks).
    public internal(set) var compactionCount = 0

    init(block: Block, superblock: Superblock, slot: Int, index: LogIndex, tail: UInt64, nextSequence: UInt64) {
        self.block = block
        self.sectorSize = block.info.sectorSize
        self.superblock = superblock
        self.superblockSlot = slot
        self.index = index
        self.tail = tail
        self.nextSequence = nextSequence
    }

    /// The first sector of region `region` (0 or 1).
    func regionStart(_ region: Int) -> UInt64 {
        LogFormat.superblockSectors + UInt64(region) * superblock.regionSectors
    }

    // MARK: Reading

    /// What `key` names: a value, a dictionary (the root always is one), or nothing.
    public func exists(_ key: KVKey) async throws(KVError) -> KVEntryKind? {
        switch index.node(at: key) {
        case nil: nil
        case .value?: .value
        case .directory?: .dictionary
        }
    }

    /// The whole value under `key`, read from the disk.
    public func get(_ key: KVKey) async throws(KVError) -> [UInt8] {
        while true {
            let location = try valueLocation(key)
            let started = compactionsStarted
            let bytes = try await readDisk(at: location.byteOffset, count: location.length)
            if compactionsStarted == started { return bytes }
        }
    }

    /// `length` bytes of the value under `key` from `offset`, clipped at its end; reads only
    /// the sectors that hold them. Fails with ``KVError/outOfRange(_:)`` for a negative offset
    /// or length, or an offset past the end.
    public func get(_ key: KVKey, offset: Int, length: Int) async throws(KVError) -> [UInt8] {
        while true {
            let location = try valueLocation(key)
            guard offset >= 0, length >= 0, offset <= location.length else { throw .outOfRange(key) }
            let count = min(length, location.length - offset)
            let started = compactionsStarted
            let bytes = try await readDisk(at: location.byteOffset + UInt64(offset), count: count)
            if compactionsStarted == started { return bytes }
        }
    }

    /// The length of the value under `key`, from the index (no disk access).
    public func size(_ key: KVKey) async throws(KVError) -> Int {
        try valueLocation(key).length
    }

    /// The direct children of the dictionary `key`, ordered by their names' UTF-8 bytes.
    public func list(_ key: KVKey) async throws(KVError) -> [(name: String, kind: KVEntryKind)] {
        switch index.node(at: key) {
        case nil: throw .notFound(key)
        case .value?: throw .wrongKind(key)
        case .directory(let directory)?:
            return directory.sortedNames.map { name in
                if case .directory? = directory.children[name] { return (name: name, kind: .dictionary) }
                return (name: name, kind: .value)
            }
        }
    }

    /// The SHA-256 of the value under `key` as 64 lowercase hex digits, computed on first use
    /// and kept until the value changes.
    public func digest(_ key: KVKey) async throws(KVError) -> String {
        while true {
            let location = try valueLocation(key)
            if let digest = location.digest { return digest }
            let started = compactionsStarted
            let changes = changeCount
            // Read from the location seen above rather than through `get`, so a change made
            // meanwhile cannot mix two values into one digest.
            var hash = SHA256()
            var done = 0
            while done < location.length {
                let count = min(64 * 1024, location.length - done)
                hash.update(try await readDisk(at: location.byteOffset + UInt64(done), count: count))
                done += count
            }
            guard compactionsStarted == started else { continue }
            let digest = hash.finalize().hex
            if changeCount == changes { index.cacheDigest(digest, for: key) }
            return digest
        }
    }

    /// Where the value under `key` is, or the error for a missing key or a dictionary.
    func valueLocation(_ key: KVKey) throws(KVError) -> ValueLocation {
        switch index.node(at: key) {
        case nil: throw .notFound(key)
        case .directory?: throw .wrongKind(key)
        case .value(let location)?: return location
        }
    }

    // MARK: Disk access

    func readDisk(at byteOffset: UInt64, count: Int) async throws(KVError) -> [UInt8] {
        do {
            return try await block.readBytes(at: byteOffset, count: count)
        } catch {
            throw .storageFailure("reading \(count) bytes at byte \(byteOffset): \(Self.describe(error))")
        }
    }

    func writeDisk(at sector: UInt64, _ bytes: [UInt8]) async throws(KVError) {
        do {
            try await block.write(at: sector, bytes)
        } catch {
            if error == .readOnly { throw .storageFailure("read-only device") }
            throw .storageFailure("writing \(bytes.count) bytes at sector \(sector): \(Self.describe(error))")
        }
    }

    /// A block error in words.
    static func describe(_ error: BlockError) -> String {
        switch error {
        case .outOfRange(let sector, let count, let sectorCount):
            "sectors \(sector) to \(sector &+ UInt64(truncatingIfNeeded: count)) lie beyond the device's \(sectorCount)"
        case .misaligned(let byteCount, let sectorSize): "\(byteCount) bytes are not whole \(sectorSize)-byte sectors"
        case .readOnly: "read-only device"
        case .deviceFailure(let text): text
        }
    }
}
