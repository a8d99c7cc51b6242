/// EMSA-PSS-VERIFY (RFC 8017 section 9.1.2) with MGF1 over `H` and a salt of `H`'s length: the
/// padding check on the output of the raw RSA public operation (which BearSSL does).
enum PSS<H: HashFunction> {
    /// Whether `encoded` (m = s^e mod n, as long as the modulus) encodes `digest`.
    static func verify(encoded m: [UInt8], digest: [UInt8], modulusBits: Int) -> Bool {
        let hashLength = H.byteCount
        let saltLength = hashLength
        let emBits = modulusBits - 1
        let emLength = (emBits + 7) / 8
        // I2OSP(m, emLen): m has a spare leading byte, which must be zero, when emBits is a multiple of 8.
        guard m.count >= emLength, m[..<(m.count - emLength)].allSatisfy({ $0 == 0 }) else { return false }
        let em = Array(m[(m.count - emLength)...])
        guard emLength >= hashLength + saltLength + 2, em[emLength - 1] == 0xbc else { return false }
        let dbLength = emLength - hashLength - 1
        let maskedDB = em[..<dbLength]
        let h = Array(em[dbLength..<(emLength - 1)])
        let unusedBits = 8 * emLength - emBits
        let topMask = UInt8(truncatingIfNeeded: 0xff >> unusedBits)
        guard maskedDB[0] & ~topMask == 0 else { return false }
        var db = mgf1(seed: h, length: dbLength)
        for index in 0..<dbLength { db[index] ^= maskedDB[index] }
        db[0] &= topMask
        // DB = PS (zeros) || 0x01 || salt.
        let separator = dbLength - saltLength - 1
        guard db[..<separator].allSatisfy({ $0 == 0 }), db[separator] == 0x01 else { return false }
        var hash = H()
        hash.update(data: [UInt8](repeating: 0, count: 8))
        hash.update(data: digest)
        hash.update(data: Array(db[(separator + 1)...]))
        return constantTimeEquals(hash.finalize(), h)
    }

    /// MGF1 (RFC 8017 appendix B.2.1): `length` bytes of H(seed || counter).
    static func mgf1(seed: [UInt8], length: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(length + H.byteCount)
        var counter: UInt32 = 0
        while output.count < length {
            var hash = H()
            hash.update(data: seed)
            hash.update(data: [UInt8(counter >> 24), UInt8((counter >> 16) & 0xff), UInt8((counter >> 8) & 0xff),
                               UInt8(counter & 0xff)])
            output += hash.finalize()
            counter += 1
        }
        return Array(output[..<length])
    }
}
