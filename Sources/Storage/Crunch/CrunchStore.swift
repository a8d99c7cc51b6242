import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A folder baked into the unikernel at build time (`--kv_ro=crunch`, the default), served from
/// where it lies in the image: lookups are a binary search in the image's index, values are
/// sliced out of it, and digests were computed by `swiftlet build`.
///
/// ```swift
/// let store = try CrunchStore(image: UnsafeRawBufferPointer(start: start, count: size))
/// let page = try await store.get(KVKey("/index.html"))
/// ```
/// The format is described at ``CrunchImage``.
public struct CrunchStore: KeyValueStoreReadOnly {
    /// The checked image.
    public let image: CrunchImage

    /// The store in the crunch image at `image`, which must stay valid and unchanged while the
    /// store is used (the image's own read-only data, in a unikernel). Throws
    /// ``KVError/storageFailure(_:)`` when the image is malformed.
    public init(image: UnsafeRawBufferPointer) throws(KVError) {
        self.image = try CrunchImage(image)
    }

    public func exists(_ key: KVKey) async throws(KVError) -> KVEntryKind? {
        image.find(key.segments).map { $0.isDictionary ? .dictionary : .value }
    }

    public func get(_ key: KVKey) async throws(KVError) -> [UInt8] {
        Array(try bytes(key))
    }

    public func get(_ key: KVKey, offset: Int, length: Int) async throws(KVError) -> [UInt8] {
        let value = try bytes(key)
        guard offset >= 0, offset <= value.count, length >= 0 else { throw .outOfRange(key) }
        let end = offset + min(length, value.count - offset)
        return Array(value[offset..<end])
    }

    public func size(_ key: KVKey) async throws(KVError) -> Int {
        try value(key).size
    }

    public func list(_ key: KVKey) async throws(KVError) -> [(name: String, kind: KVEntryKind)] {
        guard let entry = image.find(key.segments) else { throw .notFound(key) }
        guard entry.isDictionary else { throw .wrongKind(key) }
        return image.children(of: entry).map { child in
            (name: image.name(of: child), kind: child.isDictionary ? KVEntryKind.dictionary : KVEntryKind.value)
        }
    }

    /// The SHA-256 of the value, computed by `swiftlet build`.
    public func digest(_ key: KVKey) async throws(KVError) -> String {
        image.digest(of: try value(key))
    }

    /// The value under `key` where it lies in the image, without a copy: for serving large
    /// values straight from the image.
    public func bytes(_ key: KVKey) throws(KVError) -> UnsafeRawBufferPointer {
        image.value(of: try value(key))
    }

    private func value(_ key: KVKey) throws(KVError) -> CrunchImage.Entry {
        guard let entry = image.find(key.segments) else { throw .notFound(key) }
        guard !entry.isDictionary else { throw .wrongKind(key) }
        return entry
    }
}
