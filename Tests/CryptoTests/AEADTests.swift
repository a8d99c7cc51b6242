import SwiftletCrypto
import Testing

/// AES-GCM on the vectors of the GCM specification (McGrew and Viega, test cases 2, 4, 5, 16)
/// and ChaCha20-Poly1305 on RFC 8439 section 2.8.2; tampering with any input fails to open.
@Suite struct AEADTests {
    static let gcmPlaintext = hex("""
        d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39
        """)
    static let gcmAAD = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")

    struct Vector {
        let key: String, nonce: String, plaintext: [UInt8], aad: [UInt8], ciphertext: String, tag: String
    }

    static let gcm: [Vector] = [
        Vector(key: "00000000000000000000000000000000", nonce: "000000000000000000000000", plaintext: [UInt8](repeating: 0, count: 16),
               aad: [], ciphertext: "0388dace60b6a392f328c2b971b2fe78", tag: "ab6e47d42cec13bdf53a67b21257bddf"),
        Vector(key: "feffe9928665731c6d6a8f9467308308", nonce: "cafebabefacedbaddecaf888", plaintext: gcmPlaintext, aad: gcmAAD,
               ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
               tag: "5bc94fbc3221a5db94fae95ae7121a47"),
        // An 8-byte nonce (GHASHed into the counter block).
        Vector(key: "feffe9928665731c6d6a8f9467308308", nonce: "cafebabefacedbad", plaintext: gcmPlaintext, aad: gcmAAD,
               ciphertext: "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598",
               tag: "3612d2e79e3b0785561be14aaca2fccb"),
        Vector(key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", nonce: "cafebabefacedbaddecaf888",
               plaintext: gcmPlaintext, aad: gcmAAD,
               ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
               tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
    ]

    static let chacha = Vector(
        key: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", nonce: "070000004041424344454647",
        plaintext: Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8),
        aad: hex("50515253c0c1c2c3c4c5c6c7"),
        ciphertext: """
            d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36\
            92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116
            """,
        tag: "1ae10b594f09e26a7e902ecbd0600691")

    @Test func aesGCMVectors() throws {
        for vector in AEADTests.gcm {
            let key = SymmetricKey(data: hex(vector.key))
            let sealed = try AES.GCM.seal(vector.plaintext, using: key, nonce: hex(vector.nonce), authenticating: vector.aad)
            #expect(sealed.ciphertext.hexString == vector.ciphertext)
            #expect(sealed.tag.hexString == vector.tag)
            let opened = try AES.GCM.open(ciphertext: sealed.ciphertext, tag: sealed.tag, using: key,
                                          nonce: hex(vector.nonce), authenticating: vector.aad)
            #expect(opened == vector.plaintext)
            try expectTamperingFails(vector) { ciphertext, tag, nonce, aad throws(CryptoError) in
                try AES.GCM.open(ciphertext: ciphertext, tag: tag, using: key, nonce: nonce, authenticating: aad)
            }
        }
    }

    @Test func chaChaPolyRFC8439() throws {
        let vector = AEADTests.chacha
        let key = SymmetricKey(data: hex(vector.key))
        let sealed = try ChaChaPoly.seal(vector.plaintext, using: key, nonce: hex(vector.nonce), authenticating: vector.aad)
        #expect(sealed.ciphertext.hexString == vector.ciphertext)
        #expect(sealed.tag.hexString == vector.tag)
        #expect(try ChaChaPoly.open(ciphertext: sealed.ciphertext, tag: sealed.tag, using: key, nonce: hex(vector.nonce),
                                    authenticating: vector.aad) == vector.plaintext)
        try expectTamperingFails(vector) { ciphertext, tag, nonce, aad throws(CryptoError) in
            try ChaChaPoly.open(ciphertext: ciphertext, tag: tag, using: key, nonce: nonce, authenticating: aad)
        }
    }

    /// The reusable in-place form gives the same bytes, many times over one key, and zeroes the
    /// buffer of a record that fails to authenticate.
    @Test func aeadKeyInPlace() throws {
        for (algorithm, vector) in [(AEADKey.Algorithm.aes128GCM, AEADTests.gcm[1]), (.aes256GCM, AEADTests.gcm[3]),
                                    (.chacha20Poly1305, AEADTests.chacha)] {
            let key = try AEADKey(algorithm, key: SymmetricKey(data: hex(vector.key)))
            for _ in 0..<3 {
                var record = vector.plaintext
                let tag = key.seal(&record, nonce: hex(vector.nonce), authenticating: vector.aad)
                #expect(record.hexString == vector.ciphertext)
                #expect(tag.hexString == vector.tag)
                try key.open(&record, tag: tag, nonce: hex(vector.nonce), authenticating: vector.aad)
                #expect(record == vector.plaintext)
            }
            var forged = hex(vector.ciphertext)
            forged[0] ^= 0x80
            #expect(throws: CryptoError.authenticationFailure) {
                try key.open(&forged, tag: hex(vector.tag), nonce: hex(vector.nonce), authenticating: vector.aad)
            }
            #expect(forged.allSatisfy { $0 == 0 })
        }
        #expect(throws: CryptoError.invalidKey) { try AEADKey(.aes128GCM, key: SymmetricKey(data: [UInt8](repeating: 1, count: 32))) }
        #expect(throws: CryptoError.invalidKey) { try AEADKey(.chacha20Poly1305, key: SymmetricKey(data: [1, 2, 3])) }
    }

    /// Flipping a bit of the ciphertext, tag, nonce or additional data, or truncating the tag, fails.
    func expectTamperingFails(_ vector: Vector,
                              open: ([UInt8], [UInt8], [UInt8], [UInt8]) throws(CryptoError) -> [UInt8]) throws {
        let ciphertext = hex(vector.ciphertext), tag = hex(vector.tag), nonce = hex(vector.nonce)
        func flipped(_ bytes: [UInt8], at index: Int) -> [UInt8] {
            var copy = bytes
            copy[index] ^= 0x01
            return copy
        }
        var attempts: [([UInt8], [UInt8], [UInt8], [UInt8])] = [
            (ciphertext, flipped(tag, at: 15), nonce, vector.aad),
            (ciphertext, Array(tag.prefix(12)), nonce, vector.aad),
            (ciphertext, tag, flipped(nonce, at: 0), vector.aad),
        ]
        if !ciphertext.isEmpty { attempts.append((flipped(ciphertext, at: ciphertext.count - 1), tag, nonce, vector.aad)) }
        if !vector.aad.isEmpty { attempts.append((ciphertext, tag, nonce, flipped(vector.aad, at: 3))) }
        attempts.append((ciphertext, tag, nonce, vector.aad + [0]))
        for (c, t, n, a) in attempts {
            #expect(throws: CryptoError.authenticationFailure) { _ = try open(c, t, n, a) }
        }
    }
}
