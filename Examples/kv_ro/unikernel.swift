import SwiftletDevices
import SwiftletRuntime

/// MirageOS's kv_ro example: lists the store, reads `secret` and compares it with what it
/// should hold, and reads a file in a sub-folder.
struct KeyValueReader<Store: KeyValueStoreReadOnly> {
    let kv: Store

    func start() async throws(KVError) -> Int32 {
        try await show(.root)

        let secret = try await kv.get(KVKey("/secret"))
        guard secret == Array("swordfish\n".utf8) else {
            Log.error("/secret holds \(secret.count) bytes that are not the expected secret")
            return 1
        }
        let digest = try await kv.digest(KVKey("/secret"))
        Log.info("/secret matches, digest \(digest)")

        // A part of a value: the first word of the nested file.
        let word = try await kv.get(KVKey("/docs/readme.txt"), offset: 4, length: 8)
        guard word == Array("tutorial".utf8) else {
            Log.error("/docs/readme.txt does not start as expected")
            return 1
        }
        Log.info("SUCCESS: the key-value store holds what t/ holds")
        return 0
    }

    /// Logs every entry under `folder`, folders before their contents.
    func show(_ folder: KVKey) async throws(KVError) {
        for entry in try await kv.list(folder) {
            let key = try folder.appending(entry.name)
            if entry.kind == .dictionary {
                Log.info("\(key)/")
                try await show(key)
            } else {
                let size = try await kv.size(key)
                Log.info("\(key) (\(size) bytes)")
            }
        }
    }
}
