import SwiftletDevices

/// Where a value lives on the disk, and its digest once someone asked for it.
struct ValueLocation {
    /// The byte offset of the value's first byte on the device.
    var byteOffset: UInt64
    /// The value's length in bytes.
    var length: Int
    /// The SHA-256 in hex, computed on first use; a new value starts without one.
    var digest: String? = nil
}

/// A dictionary of the in-memory index. A class, so that a whole dictionary moves in a rename
/// by relinking one node.
final class IndexDirectory {
    var children: [String: IndexNode] = [:]

    init() {}

    /// The names of the children, ordered as UTF-8 bytes.
    var sortedNames: [String] {
        children.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// What a name in the index holds.
enum IndexNode {
    case value(ValueLocation)
    case directory(IndexDirectory)
}

/// A live value, listed for compaction.
struct LiveValue {
    /// Where the bytes of a live value come from during compaction.
    enum Source {
        /// Already on the disk.
        case disk(ValueLocation)
        /// The new value of the change being compacted in.
        case bytes([UInt8])
    }

    var key: KVKey
    var source: Source

    /// The value's length in bytes.
    var length: Int {
        switch source {
        case .disk(let location): location.length
        case .bytes(let bytes): bytes.count
        }
    }
}

/// The store's keys in memory: a tree of dictionaries whose leaves say where each value is.
/// Dictionaries exist while they hold something (the root always exists).
///
/// Changes come in two steps: `check…` says whether a change is allowed (and throws the
/// error the caller gets), `apply…` makes a checked change and never fails.
final class LogIndex {
    private(set) var root = IndexDirectory()

    init() {}

    /// What `key` names.
    func node(at key: KVKey) -> IndexNode? {
        guard let last = key.segments.last else { return .directory(root) }
        var directory = root
        for segment in key.segments.dropLast() {
            guard case .directory(let next)? = directory.children[segment] else { return nil }
            directory = next
        }
        return directory.children[last]
    }

    /// Throws unless `key` can hold a value: not the root, not a dictionary, no value on its path.
    func checkSet(_ key: KVKey) throws(KVError) {
        guard let last = key.segments.last else { throw .wrongKind(key) }
        var directory = root
        for (depth, segment) in key.segments.dropLast().enumerated() {
            switch directory.children[segment] {
            case nil: return
            case .value?: throw .wrongKind(try KVKey(segments: Array(key.segments.prefix(depth + 1))))
            case .directory(let next)?: directory = next
            }
        }
        if case .directory? = directory.children[last] { throw .wrongKind(key) }
    }

    /// Throws unless `key` exists (the root always does).
    func checkRemove(_ key: KVKey) throws(KVError) {
        guard node(at: key) != nil else { throw .notFound(key) }
    }

    /// Throws unless `source` can move to `destination` (which may not lie inside it, nor be a
    /// dictionary, nor make any key longer than the limit).
    func checkRename(_ source: KVKey, to destination: KVKey) throws(KVError) {
        guard let node = node(at: source) else { throw .notFound(source) }
        if source == destination { return }
        if destination.segments.count > source.segments.count && destination.segments.starts(with: source.segments) {
            throw .invalidKey("\(destination) lies inside \(source)")
        }
        try checkSet(destination)
        // Keys under a moved dictionary grow by the difference of the two paths.
        let growth = destination.description.utf8.count - source.description.utf8.count
        if growth > 0, case .directory(let directory) = node,
           Self.longestKeySuffix(directory) + destination.description.utf8.count > LogFormat.maximumKeyLength {
            throw .invalidKey("moving \(source) to \(destination) would make keys longer than \(LogFormat.maximumKeyLength) bytes")
        }
    }

    /// The longest `/a/b` tail of the keys under `directory`.
    private static func longestKeySuffix(_ directory: IndexDirectory) -> Int {
        var longest = 0
        for (name, child) in directory.children {
            var length = 1 + name.utf8.count
            if case .directory(let inner) = child { length += longestKeySuffix(inner) }
            longest = max(longest, length)
        }
        return longest
    }

    /// Stores `location` under `key`, making the dictionaries on its path.
    func applySet(_ key: KVKey, _ location: ValueLocation) {
        attach(.value(location), at: key)
    }

    /// Removes whatever `key` names (everything, for the root).
    func applyRemove(_ key: KVKey) {
        _ = detach(key)
    }

    /// Moves what `source` names to `destination`.
    func applyRename(_ source: KVKey, to destination: KVKey) {
        guard source != destination, let node = detach(source) else { return }
        attach(node, at: destination)
    }

    /// Records the digest of the value under `key`.
    func cacheDigest(_ digest: String, for key: KVKey) {
        guard let last = key.segments.last, let directory = directory(at: Array(key.segments.dropLast())),
              case .value(var location)? = directory.children[last] else { return }
        location.digest = digest
        directory.children[last] = .value(location)
    }

    /// Every value, ordered by key (as UTF-8 bytes, segment by segment).
    func liveValues() throws(KVError) -> [LiveValue] {
        var values: [LiveValue] = []
        try Self.collect(root, path: [], into: &values)
        return values
    }

    /// Replaces the whole index with `values` at their new locations.
    func rebuild(_ values: [LiveValue], locations: [ValueLocation]) {
        root = IndexDirectory()
        for (value, location) in zip(values, locations) { applySet(value.key, location) }
    }

    private static func collect(_ directory: IndexDirectory, path: [String], into values: inout [LiveValue]) throws(KVError) {
        for name in directory.sortedNames {
            switch directory.children[name] {
            case .value(let location)?: values.append(LiveValue(key: try KVKey(segments: path + [name]), source: .disk(location)))
            case .directory(let inner)?: try collect(inner, path: path + [name], into: &values)
            case nil: break
            }
        }
    }

    private func directory(at segments: [String]) -> IndexDirectory? {
        var directory = root
        for segment in segments {
            guard case .directory(let next)? = directory.children[segment] else { return nil }
            directory = next
        }
        return directory
    }

    private func attach(_ node: IndexNode, at key: KVKey) {
        guard let last = key.segments.last else { return }
        var directory = root
        for segment in key.segments.dropLast() {
            if case .directory(let next)? = directory.children[segment] {
                directory = next
            } else {
                let next = IndexDirectory()
                directory.children[segment] = .directory(next)
                directory = next
            }
        }
        directory.children[last] = node
    }

    /// Unlinks what `key` names and drops the dictionaries that become empty.
    private func detach(_ key: KVKey) -> IndexNode? {
        guard let last = key.segments.last else {
            let everything = root
            root = IndexDirectory()
            return .directory(everything)
        }
        var path = [root]
        var directory = root
        for segment in key.segments.dropLast() {
            guard case .directory(let next)? = directory.children[segment] else { return nil }
            path.append(next)
            directory = next
        }
        guard let node = directory.children.removeValue(forKey: last) else { return nil }
        var depth = path.count - 1
        while depth > 0 && path[depth].children.isEmpty {
            path[depth - 1].children[key.segments[depth - 1]] = nil
            depth -= 1
        }
        return node
    }
}
