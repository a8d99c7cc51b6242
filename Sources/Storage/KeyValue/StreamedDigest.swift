import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

extension KeyValueStoreReadOnly {
    /// The SHA-256 of the value under `key` in lowercase hex, read `chunkSize` bytes at a time:
    /// the digest every store reports, whether precomputed (crunch) or computed on demand.
    public func sha256Digest(of key: KVKey, chunkSize: Int = 64 * 1024) async throws(KVError) -> String {
        let total = try await size(key)
        var hash = SHA256()
        var offset = 0
        while offset < total {
            let chunk = try await get(key, offset: offset, length: min(chunkSize, total - offset))
            guard !chunk.isEmpty else { throw .storageFailure("\(key) ended early at byte \(offset) of \(total)") }
            hash.update(chunk)
            offset += chunk.count
        }
        return hash.finalize().hex
    }
}
