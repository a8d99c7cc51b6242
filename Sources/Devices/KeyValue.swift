/// A path in a key-value store: slash-separated segments, never `.` or `..`.
///
/// Keys are validated when they are made, so no store ever sees a path that escapes its root.
/// ```swift
/// let key = try KVKey("/css/site.css")   // segments ["css", "site.css"]
/// let bad = try KVKey("../etc/passwd")   // throws KVError.invalidKey
/// ```
public struct KVKey: Hashable, Sendable, CustomStringConvertible {
    /// The path's segments, from the root; empty for the root itself.
    public private(set) var segments: [String]

    /// Parses a slash-separated path. Leading, trailing and repeated slashes are ignored.
    public init(_ path: String) throws(KVError) {
        // Split on the `/` byte: paths are read as UTF-8, without Character machinery.
        let bytes = Array(path.utf8)
        var segments: [String] = []
        var start = 0
        for end in 0...bytes.count where end == bytes.count || bytes[end] == UInt8(ascii: "/") {
            let part = bytes[start..<end]
            start = end + 1
            if part.isEmpty { continue }
            guard !Self.isDotSegment(part), !part.contains(0) else {
                throw .invalidKey(path)
            }
            segments.append(String(decoding: part, as: UTF8.self))
        }
        self.segments = segments
    }

    /// The key made of `segments`, each of which must be a valid single segment.
    public init(segments: [String]) throws(KVError) {
        for segment in segments {
            let bytes = Array(segment.utf8)
            if bytes.isEmpty || Self.isDotSegment(bytes[...]) || bytes.contains(UInt8(ascii: "/")) || bytes.contains(0) {
                throw .invalidKey(segment)
            }
        }
        self.segments = segments
    }

    /// Whether `bytes` are `.` or `..`.
    private static func isDotSegment(_ bytes: ArraySlice<UInt8>) -> Bool {
        (1...2).contains(bytes.count) && bytes.allSatisfy { $0 == UInt8(ascii: ".") }
    }

    /// The root of the store.
    public static var root: KVKey { try! KVKey(segments: []) }

    /// The key of `name` inside this one.
    public func appending(_ name: String) throws(KVError) -> KVKey {
        try KVKey(segments: segments + [name])
    }

    /// The path with a leading slash: `/css/site.css`.
    public var description: String { "/" + segments.joined(separator: "/") }
}

/// What a key names.
public enum KVEntryKind: Hashable, Sendable {
    /// A value (a file).
    case value
    /// A dictionary of further keys (a folder).
    case dictionary
}

/// Why a key-value operation failed.
public enum KVError: Error, Equatable, Sendable {
    /// The path contains `.`/`..` segments or NUL bytes.
    case invalidKey(String)
    /// Nothing is stored under the key.
    case notFound(KVKey)
    /// A value was expected but the key names a dictionary, or the reverse.
    case wrongKind(KVKey)
    /// The requested range lies outside the value.
    case outOfRange(KVKey)
    /// The store's medium failed; the text says how.
    case storageFailure(String)
    /// A writable store has no room left for the change (nothing was changed).
    case noSpace
}

extension KVError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidKey(let path): "invalid key \"" + path + "\" (no '.', '..' or NUL segments)"
        case .notFound(let key): "nothing stored under " + key.description
        case .wrongKind(let key): key.description + " is the wrong kind (a value where a dictionary is needed, or the reverse)"
        case .outOfRange(let key): "the range lies outside the value of " + key.description
        case .storageFailure(let text): text
        case .noSpace: "no space left in the store"
        }
    }
}

/// A read-only key-value store (MirageOS's `Mirage_kv.RO`): a baked-in folder, a host folder,
/// a tar archive or a FAT file system, all behind one protocol.
public protocol KeyValueStoreReadOnly {
    /// What `key` names, or `nil` when nothing is there.
    func exists(_ key: KVKey) async throws(KVError) -> KVEntryKind?

    /// The whole value stored under `key`.
    func get(_ key: KVKey) async throws(KVError) -> [UInt8]

    /// `length` bytes of the value under `key`, from `offset`; shorter at the end of the value.
    /// Large values are served this way, chunk by chunk, never loaded whole.
    func get(_ key: KVKey, offset: Int, length: Int) async throws(KVError) -> [UInt8]

    /// The size of the value under `key`, in bytes.
    func size(_ key: KVKey) async throws(KVError) -> Int

    /// The entries of the dictionary `key`, sorted by name.
    func list(_ key: KVKey) async throws(KVError) -> [(name: String, kind: KVEntryKind)]

    /// A digest of the value under `key` that changes when the value does (usable as an ETag).
    func digest(_ key: KVKey) async throws(KVError) -> String
}

/// A key-value store that can be changed (MirageOS's `Mirage_kv.RW`), such as Swiftlet's
/// log-structured store on a block device.
///
/// Every change is atomic and durable when its call returns: after a crash the store holds
/// either the old or the new state, never a mix. Dictionaries exist while they hold keys.
public protocol KeyValueStore: KeyValueStoreReadOnly {
    /// Stores `value` under `key`, replacing any value there.
    /// Fails with ``KVError/wrongKind(_:)`` if `key` or one of its parents names the other kind.
    func set(_ key: KVKey, _ value: [UInt8]) async throws(KVError)

    /// Removes the value or the whole dictionary under `key`.
    func remove(_ key: KVKey) async throws(KVError)

    /// Moves the value or dictionary at `source` to `destination`, replacing a value there.
    func rename(_ source: KVKey, to destination: KVKey) async throws(KVError)
}
