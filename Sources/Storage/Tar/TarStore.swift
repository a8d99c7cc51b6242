import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A read-only key-value store over a tar archive on a block device (`--kv_ro=tar`), as made by
/// `swiftlet mkfs --tar FOLDER IMAGE` or by any POSIX tar (ustar, pax or GNU format).
///
/// Opening reads the archive's headers once and keeps a table of contents in memory; values
/// are then read straight from the device, only the sectors a request needs. Regular files
/// are values and folders are dictionaries (implied by file paths even without folder
/// entries); links, devices and paths with `..` segments are left out.
///
/// ```swift
/// let store = try await TarStore.open(disk)
/// let page = try await store.get(try KVKey("/index.html"))
/// let etag = try await store.digest(try KVKey("/index.html"))
/// ```
public final class TarStore<Block: BlockDevice>: KeyValueStoreReadOnly {
    private let block: Block
    private let index: TarIndex
    /// Digests computed so far (those `swiftlet mkfs` recorded need no computing).
    private var digests: [String: String] = [:]

    private init(block: Block, index: TarIndex) {
        self.block = block
        self.index = index
    }

    /// Opens the archive on `block`: reads its headers (not its file data) and checks them.
    /// Throws ``KVError/storageFailure(_:)`` naming the byte offset of a malformed header, a bad
    /// checksum, or an entry whose data runs past the end of the device.
    public static func open(_ block: Block) async throws(KVError) -> TarStore {
        TarStore(block: block, index: try await TarIndex.scan(block))
    }

    /// The number of values (files) in the archive.
    public var valueCount: Int {
        index.nodes.values.reduce(0) { count, node in
            if case .value = node { return count + 1 }
            return count
        }
    }

    /// What `key` names: `.dictionary` for the root and folders, `.value` for files.
    public func exists(_ key: KVKey) async throws(KVError) -> KVEntryKind? {
        switch index.nodes[TarIndex.path(key.segments)] {
        case .value?: return .value
        case .directory?: return .dictionary
        case nil: return nil
        }
    }

    /// The whole value under `key`, in one device read.
    public func get(_ key: KVKey) async throws(KVError) -> [UInt8] {
        let value = try self.value(key)
        return try await TarIndex.read(block, at: value.offset, count: value.size)
    }

    /// `length` bytes of the value under `key` from `offset`, clipped at the end of the value,
    /// in one device read. Throws ``KVError/outOfRange(_:)`` for a negative length, or an
    /// offset below zero or past the end.
    public func get(_ key: KVKey, offset: Int, length: Int) async throws(KVError) -> [UInt8] {
        let value = try self.value(key)
        guard offset >= 0, length >= 0, offset <= value.size else { throw .outOfRange(key) }
        let count = min(length, value.size - offset)
        return try await TarIndex.read(block, at: value.offset + UInt64(offset), count: count)
    }

    /// The size of the value under `key`, in bytes.
    public func size(_ key: KVKey) async throws(KVError) -> Int {
        try value(key).size
    }

    /// The names in the folder `key`, sorted by their UTF-8 bytes, with what each names.
    public func list(_ key: KVKey) async throws(KVError) -> [(name: String, kind: KVEntryKind)] {
        switch index.nodes[TarIndex.path(key.segments)] {
        case .directory(let listing)?: return listing.map { (name: $0.name, kind: $0.kind) }
        case .value?: throw .wrongKind(key)
        case nil: throw .notFound(key)
        }
    }

    /// The SHA-256 of the value under `key` in lowercase hex: the one `swiftlet mkfs` recorded
    /// in the archive, or else computed by reading the value once and remembered.
    public func digest(_ key: KVKey) async throws(KVError) -> String {
        let value = try self.value(key)
        if let recorded = value.sha256 { return recorded }
        let path = TarIndex.path(key.segments)
        if let known = digests[path] { return known }
        let computed = try await sha256Digest(of: key)
        digests[path] = computed
        return computed
    }

    /// Where the value under `key` is, or the error for a folder or a missing key.
    private func value(_ key: KVKey) throws(KVError) -> TarValue {
        switch index.nodes[TarIndex.path(key.segments)] {
        case .value(let value)?: return value
        case .directory?: throw .wrongKind(key)
        case nil: throw .notFound(key)
        }
    }
}
