#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SwiftletDevices
import SwiftletRuntime

/// A host folder served as a read-only key-value store (`--kv_ro=direct`, unix only), read
/// where it is: changes to the folder show at once, nothing is copied at build time.
///
/// Values are read with `pread`, `length` bytes at a time as callers ask, never whole files.
/// Keys cannot leave the folder: `KVKey` has no `..`, and every path is resolved with
/// `realpath` and must stay under the folder's own real path, so a symbolic link pointing
/// outside is refused (links inside the folder are followed).
///
/// ```swift
/// let store = try DirectStore(root: "/srv/www")
/// let page = try await store.get(KVKey("/index.html"))
/// ```
///
/// Digests differ from the other stores': hashing a file on every request would read it whole,
/// so ``digest(_:)`` is an ETag made from the file's size, modification time (ns) and inode,
/// in hex. It changes whenever the file does, but it is not the SHA-256 of the value.
public final class DirectStore: KeyValueStoreReadOnly {
    /// The folder's real path (symbolic links resolved), without a trailing slash.
    public let root: String

    /// The store of the folder at `root`. Throws ``KVError/storageFailure(_:)`` when it is not
    /// a readable folder.
    public init(root: String) throws(KVError) {
        guard let resolved = Self.realPath(root) else {
            throw .storageFailure("cannot open folder \(root): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard stat(resolved, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw .storageFailure("\(root) is not a folder")
        }
        self.root = resolved == "/" ? "" : resolved
    }

    /// The store `name` on the folder `path`, or the unikernel exits with a message saying what
    /// is wrong (the generated `main.swift` calls this).
    public static func open(name: String, path: String, loop: RunLoop<UnixPlatform>) -> DirectStore {
        do {
            return try DirectStore(root: path)
        } catch {
            Logger(source: "kv").error("cannot open the direct key-value store '\(name)': \(error)"
                                       + " (give the folder with --kv_ro-path:\(name)=FOLDER)")
            loop.platform.exit(status: 1)
        }
    }

    public func exists(_ key: KVKey) async throws(KVError) -> KVEntryKind? {
        do {
            return try kind(of: try resolve(key).status)
        } catch {
            if case .notFound = error { return nil }
            throw error
        }
    }

    public func get(_ key: KVKey) async throws(KVError) -> [UInt8] {
        try read(key, offset: 0, length: Int.max)
    }

    public func get(_ key: KVKey, offset: Int, length: Int) async throws(KVError) -> [UInt8] {
        try read(key, offset: offset, length: length)
    }

    public func size(_ key: KVKey) async throws(KVError) -> Int {
        let status = try resolveValue(key).status
        return Int(status.st_size)
    }

    public func list(_ key: KVKey) async throws(KVError) -> [(name: String, kind: KVEntryKind)] {
        let (path, status) = try resolve(key)
        guard try kind(of: status) == .dictionary else { throw .wrongKind(key) }
        guard let directory = opendir(path) else { throw failure("cannot list", key) }
        defer { closedir(directory) }
        var names: [String] = []
        while let item = readdir(directory) {
            let name = withUnsafePointer(to: &item.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        var entries: [(name: String, kind: KVEntryKind)] = []
        for name in names {
            // Entries a key could not reach (links leading out, sockets, invalid names) are not listed.
            guard let child = try? key.appending(name), let (_, status) = try? resolve(child),
                  let kind = try? kind(of: status) else { continue }
            entries.append((name: name, kind: kind))
        }
        return entries.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// An ETag of the file: `SIZE-MTIMENS-INODE` in hex. See the type's documentation.
    public func digest(_ key: KVKey) async throws(KVError) -> String {
        let status = try resolveValue(key).status
        let nanoseconds = UInt64(bitPattern: Int64(status.st_mtim.tv_sec)) &* 1_000_000_000
            &+ UInt64(bitPattern: Int64(status.st_mtim.tv_nsec))
        return String(UInt64(status.st_size), radix: 16) + "-" + String(nanoseconds, radix: 16)
            + "-" + String(UInt64(status.st_ino), radix: 16)
    }

    // MARK: - Paths

    /// The real path of `key` and what it is; throws when it does not exist or leads outside.
    private func resolve(_ key: KVKey) throws(KVError) -> (path: String, status: stat) {
        let path = root + "/" + key.segments.joined(separator: "/")
        guard let resolved = Self.realPath(path) else {
            if errno == ENOENT || errno == ENOTDIR { throw .notFound(key) }
            throw failure("cannot resolve", key)
        }
        guard resolved == root || resolved.hasPrefix(root + "/") || (root.isEmpty && resolved.hasPrefix("/")) else {
            throw .storageFailure("\(key) is a symbolic link leading outside the store's folder")
        }
        var status = stat()
        guard stat(resolved, &status) == 0 else { throw .notFound(key) }
        return (resolved, status)
    }

    /// Like ``resolve(_:)`` for a key that must name a value.
    private func resolveValue(_ key: KVKey) throws(KVError) -> (path: String, status: stat) {
        let found = try resolve(key)
        guard try kind(of: found.status) == .value else { throw .wrongKind(key) }
        return found
    }

    /// Folders are dictionaries and regular files values; anything else (a FIFO, a device) is
    /// not served, so that no read can block on it.
    private func kind(of status: stat) throws(KVError) -> KVEntryKind {
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .dictionary
        case S_IFREG: return .value
        default: throw .storageFailure("not a file or a folder")
        }
    }

    private func read(_ key: KVKey, offset: Int, length: Int) throws(KVError) -> [UInt8] {
        let (path, _) = try resolveValue(key)
        // O_NOFOLLOW: the resolved path has no links left, so one appearing now is refused.
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw failure("cannot open", key) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { throw .wrongKind(key) }
        let size = Int(status.st_size)
        guard offset >= 0, offset <= size, length >= 0 else { throw .outOfRange(key) }
        let count = min(length, size - offset)
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let moved = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if moved < 0 && errno == EINTR { continue }
            guard moved >= 0 else { throw failure("cannot read", key) }
            if moved == 0 { break }  // the file shrank since fstat
            done += moved
        }
        if done < count { bytes.removeSubrange(done...) }
        return bytes
    }

    private func failure(_ what: String, _ key: KVKey) -> KVError {
        .storageFailure("\(what) \(key): \(String(cString: strerror(errno)))")
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
