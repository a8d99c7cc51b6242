import SwiftletCrypto
import Testing

/// SHA-1/256/384/512 on the FIPS 180 examples, and HMAC on RFC 4231's.
@Suite struct HashTests {
    let abc = Array("abc".utf8)

    @Test func fipsExamples() {
        #expect(SHA1.hash(data: abc).hexString == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA256.hash(data: abc).hexString == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA384.hash(data: abc).hexString
            == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(SHA512.hash(data: abc).hexString
            == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hash(data: twoBlocks).hexString == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hash(data: []).hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// Pieces of any size give the digest of the whole, and finalizing does not end the hash
    /// (TLS hashes transcript prefixes).
    @Test func incrementalAndContinuing() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hash = SHA256()
        var offset = 0
        var size = 1
        while offset < million.count {
            let end = min(offset + size, million.count)
            hash.update(data: Array(million[offset..<end]))
            offset = end
            size = size * 3 % 1000 + 1
        }
        #expect(hash.finalize().hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")

        var transcript = SHA384()
        transcript.update(data: Array("ab".utf8))
        _ = transcript.finalize()
        transcript.update(data: Array("c".utf8))
        #expect(transcript.finalize() == SHA384.hash(data: abc))
    }

    @Test func hmacRFC4231() {
        let key1 = SymmetricKey(data: [UInt8](repeating: 0x0b, count: 20))
        let hiThere = Array("Hi There".utf8)
        #expect(HMAC<SHA256>.authenticationCode(for: hiThere, using: key1).hexString
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(HMAC<SHA384>.authenticationCode(for: hiThere, using: key1).hexString
            == "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6")
        #expect(HMAC<SHA512>.authenticationCode(for: hiThere, using: key1).hexString
            == "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")
        // Test case 2: a key shorter than the output.
        let jefe = SymmetricKey(data: Array("Jefe".utf8))
        let question = Array("what do ya want for nothing?".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: question, using: jefe)
        #expect(mac.hexString == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: question, using: jefe))
        var altered = mac
        altered[31] ^= 1
        #expect(!HMAC<SHA256>.isValidAuthenticationCode(altered, authenticating: question, using: jefe))
        #expect(!HMAC<SHA256>.isValidAuthenticationCode(Array(mac.prefix(16)), authenticating: question, using: jefe))
        // Test case 6: a key longer than a block is hashed first.
        let long = SymmetricKey(data: [UInt8](repeating: 0xaa, count: 131))
        #expect(HMAC<SHA256>.authenticationCode(for: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                                                using: long).hexString
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func hkdfRFC5869() {
        let ikm = SymmetricKey(data: [UInt8](repeating: 0x0b, count: 22))
        // Test case 1.
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: ikm, salt: Array(0...0x0c))
        #expect(prk.hexString == "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
        let okm = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Array(0xf0...0xf9), outputByteCount: 42)
        #expect(okm.bytes.hexString
            == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
        // Test case 3: no salt, no info.
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: [], info: [], outputByteCount: 42)
        #expect(derived.bytes.hexString
            == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
        #expect(derived.bitCount == 336)
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([], []))
    }
}
