import SwiftletCrypto
import Testing

/// X25519 on RFC 7748, P-256 on RFC 6979 (deterministic signatures) and Wycheproof, P-384
/// verification on RFC 6979's key; and the checks that refuse bad keys and signatures.
@Suite struct CurveTests {
    @Test func x25519RFC7748() throws {
        // Section 5.2: the function on two inputs.
        for (scalar, u, expected) in [
            ("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
             "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
             "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"),
            ("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
             "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
             "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"),
        ] {
            let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: hex(scalar))
            let point = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: hex(u))
            #expect(try key.sharedSecretFromKeyAgreement(with: point).hexString == expected)
        }
        // Section 6.1: Diffie-Hellman between Alice and Bob.
        let alice = try Curve25519.KeyAgreement.PrivateKey(
            rawRepresentation: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let bob = try Curve25519.KeyAgreement.PrivateKey(
            rawRepresentation: hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        #expect(alice.publicKey.rawRepresentation.hexString == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        #expect(bob.publicKey.rawRepresentation.hexString == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        #expect(try alice.sharedSecretFromKeyAgreement(with: bob.publicKey).hexString == shared)
        #expect(try bob.sharedSecretFromKeyAgreement(with: alice.publicKey).hexString == shared)
    }

    /// Small-order points give an all-zero secret, which is refused (RFC 7748 section 6.1; Wycheproof's
    /// "low order public key" cases).
    @Test func x25519RefusesLowOrderPoints() throws {
        let key = try Curve25519.KeyAgreement.PrivateKey(
            rawRepresentation: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        for point in ["0000000000000000000000000000000000000000000000000000000000000000",
                      "0100000000000000000000000000000000000000000000000000000000000000",
                      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"] {
            let low = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: hex(point))
            #expect(throws: CryptoError.invalidKey) { try key.sharedSecretFromKeyAgreement(with: low) }
        }
        #expect(throws: CryptoError.invalidKey) { try Curve25519.KeyAgreement.PublicKey(rawRepresentation: [1, 2]) }
    }

    static let rfc6979Key = hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
    static let rfc6979Public = hex("""
        0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6\
        7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299
        """)

    /// RFC 6979 appendix A.2.5, SHA-256: the signatures are exactly the RFC's.
    @Test func p256DeterministicSignatures() throws {
        let key = try P256.Signing.PrivateKey(rawRepresentation: CurveTests.rfc6979Key)
        #expect(key.publicKey.x963Representation == CurveTests.rfc6979Public)
        for (message, r, s) in [
            ("sample", "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
             "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"),
            ("test", "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
             "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"),
        ] {
            let signature = key.signature(for: Array(message.utf8))
            #expect(signature.rawRepresentation.hexString == r + s)
            #expect(key.publicKey.isValidSignature(signature, for: Array(message.utf8)))
            #expect(!key.publicKey.isValidSignature(signature, for: Array((message + "!").utf8)))
            // DER round trip.
            let der = signature.derRepresentation
            #expect(try ECDSASignature(derRepresentation: der) == signature)
        }
    }

    /// Wycheproof ecdsa_secp256r1_sha256_test.json: valid signatures, BER and broken encodings,
    /// and r, s out of range (r + n, s + n, zero).
    @Test func p256Wycheproof() throws {
        let first = try P256.Signing.PublicKey(x963Representation: hex("""
            0404aaec73635726f213fb8a9e64da3b8632e41495a944d0045b522eba7240fad587d9315798aaa3a5ba01775787ced05eaaf7b4e09fc81d6d1aa546e8365d525d
            """))
        let tc1 = try ECDSASignature(derRepresentation: hex("""
            3045022100b292a619339f6e567a305c951c0dcbcc42d16e47f219f9e98e76e09d8770b34a02200177e60492c5a8242f76f07bfe3661bde59ec2a17ce5bd2dab2abebdf89a62e2
            """))
        #expect(first.isValidSignature(tc1, for: []))
        #expect(!first.isValidSignature(tc1, for: [0]))

        let key = try P256.Signing.PublicKey(x963Representation: hex("""
            042927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e
            """))
        let message = hex("313233343030")
        let r = "2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18"
        let s = "b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db"
        let valid = [
            "304502202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18022100\(s)",   // tc 7
            "304402202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e1802204cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76",  // tc 5: n - s
        ]
        for der in valid {
            #expect(key.isValidSignature(try ECDSASignature(derRepresentation: hex(der)), for: message), "\(der)")
        }
        let badEncodings = [
            "304402202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e180220\(s)",     // tc 6: s lacks its 0
            "30814502202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18022100\(s)", // tc 8: long form
            "3082004502202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18022100\(s)", // tc 9
            "304602202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18022100\(s)",   // tc 10
            "304402202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18022100\(s)",   // tc 11
            "3085010000004502202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18022100\(s)", // tc 12
            "3084ffffffff02202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18022100\(s)", // tc 16
            "304502202ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18022100\(s)00", // trailing byte
            "", "30", "3000", "30020200",
        ]
        for der in badEncodings {
            #expect(throws: CryptoError.invalidSignature) { try ECDSASignature(derRepresentation: hex(der)) }
        }
        // Out of range: r + n, s + n, r = 0, s = 0 (Wycheproof "RangeCheck" and "InvalidSignature").
        let rPlusN = "012ba3a8bd6b94d5ed80a6d9d1190a436ebccc0833490686deac8635bcb9bf5369"
        let sPlusN = "01b329f478a2bbd0a6c384ee1493b1f518276e0e4a5375928d6fcd160c11cb6d2c"
        let zero = String(repeating: "0", count: 64)
        for (badR, badS) in [(rPlusN, s), (r, sPlusN), (zero, s), (r, zero), (zero, zero)] {
            let width = max(badR.count, badS.count) / 2
            let raw = [UInt8](repeating: 0, count: width - badR.count / 2) + hex(badR)
                + [UInt8](repeating: 0, count: width - badS.count / 2) + hex(badS)
            let signature = try ECDSASignature(rawRepresentation: raw)
            #expect(!key.isValidSignature(signature, for: message), "r \(badR) s \(badS)")
            #expect(try !key.isValidSignature(ECDSASignature(derRepresentation: signature.derRepresentation), for: message))
        }
    }

    @Test func p256KeysAreChecked() throws {
        let order = hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")
        var orderMinusOne = order
        orderMinusOne[31] -= 1
        #expect(throws: CryptoError.invalidKey) { try P256.Signing.PrivateKey(rawRepresentation: order) }
        #expect(throws: CryptoError.invalidKey) { try P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0, count: 32)) }
        #expect(throws: CryptoError.invalidKey) { try P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0xff, count: 32)) }
        #expect(throws: CryptoError.invalidKey) { try P256.Signing.PrivateKey(rawRepresentation: [1]) }
        _ = try P256.Signing.PrivateKey(rawRepresentation: orderMinusOne)
        _ = try P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0, count: 31) + [1])
        // A point off the curve (y changed), a compressed one and the wrong length are refused.
        var offCurve = CurveTests.rfc6979Public
        offCurve[64] ^= 1
        for bad in [offCurve, [0x02] + Array(CurveTests.rfc6979Public[1...32]), Array(CurveTests.rfc6979Public.prefix(64))] {
            #expect(throws: CryptoError.invalidKey) { try P256.Signing.PublicKey(x963Representation: bad) }
            #expect(throws: CryptoError.invalidKey) { try P256.KeyAgreement.PublicKey(x963Representation: bad) }
        }
    }

    /// ECDH against a shared secret computed by OpenSSL (through pyca/cryptography) for these scalars.
    @Test func p256KeyAgreement() throws {
        let ours = try P256.KeyAgreement.PrivateKey(
            rawRepresentation: hex("7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534"))
        let theirs = try P256.KeyAgreement.PrivateKey(
            rawRepresentation: hex("38f65d6dce47676044d58ce5139582d568f64bb16098d179dbab07741dd5caf5"))
        #expect(theirs.publicKey.x963Representation.hexString == """
            04119f2f047902782ab0c9e27a54aff5eb9b964829ca99c06b02ddba95b0a3f6d08f52b726664cac366fc98ac7a012b2682cbd962e5acb544671d41b9445704d1d
            """)
        let shared = "69854de86f85d63854b189cd4f7a556c668977ed93277edc449e9f7655b28175"
        #expect(try ours.sharedSecretFromKeyAgreement(with: theirs.publicKey).hexString == shared)
        #expect(try theirs.sharedSecretFromKeyAgreement(with: ours.publicKey).hexString == shared)
    }

    /// Keys from a generator are valid, differ, and agree with each other.
    @Test func generatedKeys() throws {
        var generator = SystemRandomNumberGenerator()
        let a = P256.KeyAgreement.PrivateKey(using: &generator)
        let b = P256.KeyAgreement.PrivateKey(using: &generator)
        #expect(a.rawRepresentation != b.rawRepresentation)
        #expect(try a.sharedSecretFromKeyAgreement(with: b.publicKey) == b.sharedSecretFromKeyAgreement(with: a.publicKey))
        let x = Curve25519.KeyAgreement.PrivateKey(using: &generator)
        let y = Curve25519.KeyAgreement.PrivateKey(using: &generator)
        #expect(try x.sharedSecretFromKeyAgreement(with: y.publicKey) == y.sharedSecretFromKeyAgreement(with: x.publicKey))
        let signer = P256.Signing.PrivateKey(using: &generator)
        let message = Array("generated".utf8)
        #expect(signer.publicKey.isValidSignature(signer.signature(for: message), for: message))
    }

    /// RFC 6979 appendix A.2.6's P-384 key; the signatures (SHA-384, "sample" and "test") are
    /// the deterministic ones, which OpenSSL reproduces.
    @Test func p384Verification() throws {
        let key = try P384.Signing.PublicKey(x963Representation: hex("""
            04ec3a4e415b4e19a4568618029f427fa5da9a8bc4ae92e02e06aae5286b300c64def8f0ea9055866064a254515480bc13\
            8015d9b72d7d57244ea8ef9ac0c621896708a59367f9dfb9f54ca84b3f1c9db1288b231c3ae0d4fe7344fd2533264720
            """))
        let sample = try ECDSASignature(rawRepresentation: hex("""
            94edbb92a5ecb8aad4736e56c691916b3f88140666ce9fa73d64c4ea95ad133c81a648152e44acf96e36dd1e80fabe46\
            99ef4aeb15f178cea1fe40db2603138f130e740a19624526203b6351d0a3a94fa329c145786e679e7b82c71a38628ac8
            """))
        let test = try ECDSASignature(rawRepresentation: hex("""
            8203b63d3c853e8d77227fb377bcf7b7b772e97892a80f36ab775d509d7a5feb0542a7f0812998da8f1dd3ca3cf023db\
            ddd0760448d42d8a43af45af836fce4de8be06b485e9b61b827c2f13173923e06a739f040649a667bf3b828246baa5a5
            """))
        #expect(key.isValidSignature(sample, for: Array("sample".utf8)))
        #expect(key.isValidSignature(test, for: Array("test".utf8)))
        #expect(!key.isValidSignature(sample, for: Array("test".utf8)))
        #expect(key.isValidSignature(try ECDSASignature(derRepresentation: sample.derRepresentation), for: Array("sample".utf8)))
        var forged = sample.rawRepresentation
        forged[95] ^= 1
        #expect(!key.isValidSignature(try ECDSASignature(rawRepresentation: forged), for: Array("sample".utf8)))
        #expect(throws: CryptoError.invalidKey) { try P384.Signing.PublicKey(x963Representation: CurveTests.rfc6979Public) }
    }

    /// Item 4 of issue 15: the same seed and label always give the same valid key; another label
    /// or seed another key.
    @Test func seedDerivation() throws {
        let a = P256.Signing.PrivateKey(seed: "correct horse battery staple", label: "account")
        let again = P256.Signing.PrivateKey(seed: "correct horse battery staple", label: "account")
        let certificate = P256.Signing.PrivateKey(seed: "correct horse battery staple", label: "certificate")
        let other = P256.Signing.PrivateKey(seed: "correct horse battery stapler", label: "account")
        #expect(a.rawRepresentation == again.rawRepresentation)
        #expect(a.rawRepresentation != certificate.rawRepresentation)
        #expect(a.rawRepresentation != other.rawRepresentation)
        // The documented construction, step by step: candidate 0 is HKDF-SHA256 with these inputs.
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: Array("correct horse battery staple".utf8)),
                                       salt: Array("swiftlet p256 seed v1".utf8))
        let candidate = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Array("account".utf8) + [0, 0], outputByteCount: 32)
        #expect(a.rawRepresentation == candidate.bytes)
        let message = Array("hello".utf8)
        #expect(a.publicKey.isValidSignature(a.signature(for: message), for: message))
        _ = try P256.Signing.PrivateKey(rawRepresentation: a.rawRepresentation)
    }
}
