import _Concurrency
import SwiftletCrypto
import SwiftletDevices

/// The two P-256 keys of a unikernel that gets its own certificate: the ACME account key and
/// the certificate's key. From `--account-seed` / `--cert-seed` when given (the same seed gives
/// the same key, so a rebooted unikernel finds its account and may keep its certificate);
/// otherwise random, and kept in a writable store when there is one.
public enum ACMEKeys {
    /// The derivation label of account keys (`P256.Signing.PrivateKey(seed:label:)`).
    public static let accountLabel = "swiftlet acme account"
    /// The derivation label of certificate keys.
    public static let certificateLabel = "swiftlet tls certificate"

    /// The account key: derived from `seed` if it is given and not empty, else random.
    public static func accountKey<R: RandomNumberGenerator>(seed: String?, using random: inout R) -> ES256Key {
        ES256Key(key(seed: seed, label: accountLabel, using: &random))
    }

    /// The certificate key: derived from `seed` if it is given and not empty, else random.
    public static func certificateKey<R: RandomNumberGenerator>(seed: String?, using random: inout R) -> P256.Signing.PrivateKey {
        key(seed: seed, label: certificateLabel, using: &random)
    }

    /// The key from `seed`, else the one stored under `storageKey` in `store`, else a new random
    /// one, which is then stored there (so it survives a reboot). A stored value that is not a
    /// valid key is replaced.
    public static func key<Store: KeyValueStore, R: RandomNumberGenerator>(
        seed: String?, label: String, store: Store, storageKey: KVKey, using random: inout R
    ) async throws(KVError) -> P256.Signing.PrivateKey {
        if let seed, !seed.isEmpty { return P256.Signing.PrivateKey(seed: seed, label: label) }
        if (try await store.exists(storageKey)) == .value {
            let stored = try await store.get(storageKey)
            if let key = try? P256.Signing.PrivateKey(rawRepresentation: stored) { return key }
        }
        let key = P256.Signing.PrivateKey(using: &random)
        try await store.set(storageKey, key.rawRepresentation)
        return key
    }

    static func key<R: RandomNumberGenerator>(seed: String?, label: String, using random: inout R) -> P256.Signing.PrivateKey {
        if let seed, !seed.isEmpty { return P256.Signing.PrivateKey(seed: seed, label: label) }
        return P256.Signing.PrivateKey(using: &random)
    }
}
