import SwiftletACME
import SwiftletCrypto
import SwiftletDevices
import Testing

@Suite struct ACMEKeysTests {
    struct Counter: RandomNumberGenerator {
        var state: UInt64 = 0x1234_5678
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    @Test func seedsGiveTheSameKeysAndLabelsKeepThemApart() {
        var random = Counter()
        let account = ACMEKeys.accountKey(seed: "s3cret", using: &random)
        let again = ACMEKeys.accountKey(seed: "s3cret", using: &random)
        #expect(account.privateKey.rawRepresentation == again.privateKey.rawRepresentation)
        #expect(account.publicJWK == again.publicJWK)
        #expect(ES256Key(seed: "s3cret").publicJWK == account.publicJWK)
        let certificate = ACMEKeys.certificateKey(seed: "s3cret", using: &random)
        #expect(certificate.rawRepresentation != account.privateKey.rawRepresentation)
        #expect(ACMEKeys.certificateKey(seed: "s3cret", using: &random).rawRepresentation == certificate.rawRepresentation)
        #expect(ACMEKeys.accountKey(seed: "other", using: &random).publicJWK != account.publicJWK)
    }

    @Test func withoutASeedKeysAreRandom() {
        var random = Counter()
        let first = ACMEKeys.accountKey(seed: nil, using: &random)
        let second = ACMEKeys.accountKey(seed: "", using: &random)
        #expect(first.privateKey.rawRepresentation != second.privateKey.rawRepresentation)
        #expect(first.privateKey.rawRepresentation.count == 32)
    }

    @Test func randomKeysAreKeptInAWritableStore() async throws {
        let store = MemoryKeyValueStore()
        let key = try KVKey("/acme/account.key")
        var random = Counter()
        let made = try await ACMEKeys.key(seed: nil, label: ACMEKeys.accountLabel, store: store, storageKey: key, using: &random)
        #expect(store.values[key] == made.rawRepresentation)
        // After a reboot (another generator state), the stored key is the one used.
        var other = Counter(state: 99)
        let found = try await ACMEKeys.key(seed: nil, label: ACMEKeys.accountLabel, store: store, storageKey: key, using: &other)
        #expect(found.rawRepresentation == made.rawRepresentation)
        // A seed wins over the store; garbage in the store is replaced.
        let seeded = try await ACMEKeys.key(seed: "x", label: ACMEKeys.accountLabel, store: store, storageKey: key, using: &other)
        #expect(seeded.rawRepresentation == ES256Key(seed: "x").privateKey.rawRepresentation)
        store.values[key] = [1, 2, 3]
        let replaced = try await ACMEKeys.key(seed: nil, label: ACMEKeys.accountLabel, store: store, storageKey: key, using: &other)
        #expect(store.values[key] == replaced.rawRepresentation)
    }
}

/// A writable key-value store in memory (values only, no folders).
final class MemoryKeyValueStore: KeyValueStore {
    var values: [KVKey: [UInt8]] = [:]
    func exists(_ key: KVKey) async throws(KVError) -> KVEntryKind? { values[key] == nil ? nil : .value }
    func get(_ key: KVKey) async throws(KVError) -> [UInt8] {
        guard let value = values[key] else { throw .notFound(key) }
        return value
    }
    func get(_ key: KVKey, offset: Int, length: Int) async throws(KVError) -> [UInt8] {
        let value = try await get(key)
        guard offset >= 0, length >= 0, offset + length <= value.count else { throw .outOfRange(key) }
        return Array(value[offset..<offset + length])
    }
    func size(_ key: KVKey) async throws(KVError) -> Int { try await get(key).count }
    func list(_ key: KVKey) async throws(KVError) -> [(name: String, kind: KVEntryKind)] { [] }
    func digest(_ key: KVKey) async throws(KVError) -> String { "\(try await get(key).count)" }
    func set(_ key: KVKey, _ value: [UInt8]) async throws(KVError) { values[key] = value }
    func remove(_ key: KVKey) async throws(KVError) { values[key] = nil }
    func rename(_ source: KVKey, to destination: KVKey) async throws(KVError) {
        values[destination] = values.removeValue(forKey: source)
    }
}
