extension P256.Signing.PrivateKey {
    /// The P-256 key determined by `seed` and `label`: the same pair always gives the same key,
    /// different labels give unrelated keys (so one seed can make an ACME account key and a
    /// certificate key). Anyone who knows the seed knows the key: keep it secret.
    ///
    /// The construction: with PRK = HKDF-Extract(salt: "swiftlet p256 seed v1", IKM: UTF-8(seed)),
    /// candidate i (i = 0, 1, ...) is HKDF-Expand(PRK, info: UTF-8(label) || 0x00 || i as one
    /// byte, 32 bytes), read big-endian; the first candidate in [1, n-1] is the scalar. (A
    /// candidate fails with probability about 2^-32, so the loop ends at once in practice; after
    /// 256 candidates it traps, which cannot happen for a working SHA-256.)
    public init(seed: String, label: String) {
        let pseudoRandomKey = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: Array(seed.utf8)),
                                                   salt: Array("swiftlet p256 seed v1".utf8))
        for counter in 0...255 {
            let candidate = HKDF<SHA256>.expand(pseudoRandomKey: pseudoRandomKey,
                                                info: Array(label.utf8) + [0, UInt8(counter)], outputByteCount: 32)
            if let key = try? P256.Signing.PrivateKey(rawRepresentation: candidate.bytes) {
                self = key
                return
            }
        }
        preconditionFailure("no valid P-256 scalar in 256 HKDF outputs")
    }
}
