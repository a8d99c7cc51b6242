/// HKDF (RFC 5869): extract a pseudorandom key from input key material, expand it into keys.
public enum HKDF<H: HashFunction> {
    /// HKDF-Extract: the pseudorandom key (a hash length) of `inputKeyMaterial` under `salt`
    /// (empty: a hash length of zeros, as the RFC says).
    public static func extract(inputKeyMaterial: SymmetricKey, salt: [UInt8]) -> [UInt8] {
        let salt = salt.isEmpty ? [UInt8](repeating: 0, count: H.byteCount) : salt
        return HMAC<H>.authenticationCode(for: inputKeyMaterial.bytes, using: SymmetricKey(data: salt))
    }

    /// HKDF-Expand: `outputByteCount` bytes (at most 255 hash lengths) from `pseudoRandomKey` and `info`.
    public static func expand(pseudoRandomKey: [UInt8], info: [UInt8], outputByteCount: Int) -> SymmetricKey {
        precondition(outputByteCount >= 0 && outputByteCount <= 255 * H.byteCount,
                     "HKDF can expand to at most 255 hash lengths")
        let key = SymmetricKey(data: pseudoRandomKey)
        var output: [UInt8] = []
        output.reserveCapacity(outputByteCount + H.byteCount)
        var previous: [UInt8] = []
        var counter: UInt8 = 1
        while output.count < outputByteCount {
            var mac = HMAC<H>.Incremental(key: key)
            mac.update(data: previous)
            mac.update(data: info)
            mac.update(data: [counter])
            previous = mac.finalize()
            output += previous
            counter &+= 1
        }
        output.removeLast(output.count - outputByteCount)
        return SymmetricKey(data: output)
    }

    /// Extract then expand.
    public static func deriveKey(inputKeyMaterial: SymmetricKey, salt: [UInt8], info: [UInt8],
                                 outputByteCount: Int) -> SymmetricKey {
        expand(pseudoRandomKey: extract(inputKeyMaterial: inputKeyMaterial, salt: salt), info: info,
               outputByteCount: outputByteCount)
    }
}
