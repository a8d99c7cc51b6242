import _Concurrency
import SwiftletDevices

/// Keeps the certificate chain in a writable key-value store, so that a rebooted unikernel
/// serves the certificate it has instead of asking the CA for another (Let's Encrypt allows 5
/// per name a week).
public enum CertificateStorage {
    /// The chain stored under `key`, if there is one that parses, names all of `names`, is for
    /// the P-256 key `publicKey` (X9.63) and has not expired at `now`. Anything else is
    /// ignored (a new certificate will replace it).
    public static func load<Store: KeyValueStoreReadOnly>(from store: Store, key: KVKey, names: [String],
                                                          publicKey: [UInt8], now: WallClockTime) async -> ACMECertificateChain? {
        guard (try? await store.exists(key)) == .value, let bytes = try? await store.get(key), bytes.count <= 256 * 1024,
              let chain = try? ACMECertificateChain(pem: String(decoding: bytes, as: UTF8.self))
        else { return nil }
        guard chain.covers(names), chain.certifies(p256PublicKey: publicKey), now < chain.notAfter else { return nil }
        return chain
    }

    /// Stores `chain` under `key`.
    public static func save<Store: KeyValueStore>(_ chain: ACMECertificateChain, to store: Store, key: KVKey) async throws(KVError) {
        try await store.set(key, Array(chain.pem.utf8))
    }
}
