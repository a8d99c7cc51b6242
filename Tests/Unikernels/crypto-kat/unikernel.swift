import SwiftletCrypto
import SwiftletDevices
import SwiftletRuntime

/// SwiftletCrypto's known-answer tests, in a unikernel: the same BearSSL code as on unix, but
/// linked freestanding for the target and run on its CPU. Prints `SUCCESS: crypto-kat` when
/// every vector matches and every forgery is refused; with `--bench`, throughput figures.
struct CryptoKnownAnswers<Clock: MonotonicClock> {
    let monotonicClock: Clock

    func start() async -> Int32 {
        var check = Checker()
        hashes(&check)
        aeads(&check)
        curves(&check)
        rsa(&check)
        guard check.failures == 0 else {
            print("FAILURE: crypto-kat, \(check.failures) of \(check.count) checks failed")
            return 1
        }
        print("SUCCESS: crypto-kat (\(check.count) checks)")
        if Keys.bench { benchmark(seconds: Keys.seconds) }
        return 0
    }

    func hashes(_ check: inout Checker) {
        let abc = Array("abc".utf8)
        check("SHA-256", SHA256.hash(data: abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        check("SHA-384", SHA384.hash(data: abc),
              "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        check("SHA-512", SHA512.hash(data: abc),
              "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        check("HMAC-SHA256 (RFC 4231 case 2)",
              HMAC<SHA256>.authenticationCode(for: Array("what do ya want for nothing?".utf8), using: SymmetricKey(data: Array("Jefe".utf8))),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let okm = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: [UInt8](repeating: 0x0b, count: 22)),
                                         salt: Array(0...0x0c), info: Array(0xf0...0xf9), outputByteCount: 42)
        check("HKDF (RFC 5869 case 1)", okm.bytes,
              "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    func aeads(_ check: inout Checker) {
        let plaintext = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let nonce = hex("cafebabefacedbaddecaf888")
        for (name, key, expected) in [
            ("AES-128-GCM (case 4)", "feffe9928665731c6d6a8f9467308308",
             "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47"),
            ("AES-256-GCM (case 16)", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
             "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b"),
        ] {
            let sealed = try? AES.GCM.seal(plaintext, using: SymmetricKey(data: hex(key)), nonce: nonce, authenticating: aad)
            check(name, (sealed?.ciphertext ?? []) + (sealed?.tag ?? []), expected)
            var tag = sealed?.tag ?? []
            if !tag.isEmpty { tag[0] ^= 1 }
            let forged = try? AES.GCM.open(ciphertext: sealed?.ciphertext ?? [], tag: tag, using: SymmetricKey(data: hex(key)),
                                           nonce: nonce, authenticating: aad)
            check(name + " forged tag refused", forged == nil)
        }
        let key = SymmetricKey(data: Array(0x80...0x9f))
        let message = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        let sealed = try? ChaChaPoly.seal(message, using: key, nonce: hex("070000004041424344454647"),
                                          authenticating: hex("50515253c0c1c2c3c4c5c6c7"))
        check("ChaCha20-Poly1305 tag (RFC 8439 2.8.2)", sealed?.tag ?? [], "1ae10b594f09e26a7e902ecbd0600691")
        check("ChaCha20-Poly1305 ciphertext", Array((sealed?.ciphertext ?? []).prefix(16)), "d31a8d34648e60db7b86afbc53ef7ec2")
        let opened = try? ChaChaPoly.open(ciphertext: sealed?.ciphertext ?? [], tag: sealed?.tag ?? [], using: key,
                                          nonce: hex("070000004041424344454647"), authenticating: hex("50515253c0c1c2c3c4c5c6c7"))
        check("ChaCha20-Poly1305 opens", opened == message)
    }

    func curves(_ check: inout Checker) {
        if let alice = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")),
           let bob = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")) {
            check("X25519 public (RFC 7748 6.1)", alice.publicKey.rawRepresentation,
                  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
            check("X25519 shared", (try? alice.sharedSecretFromKeyAgreement(with: bob)) ?? [],
                  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
        } else {
            check("X25519 keys", false)
        }
        guard let key = try? P256.Signing.PrivateKey(rawRepresentation: hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"))
        else { return check("P-256 key", false) }
        let sample = key.signature(for: Array("sample".utf8))
        check("P-256 RFC 6979 signature", sample.rawRepresentation,
              "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8")
        check("P-256 verifies", key.publicKey.isValidSignature(sample, for: Array("sample".utf8)))
        check("P-256 refuses another message", !key.publicKey.isValidSignature(sample, for: Array("sampl".utf8)))
        let seeded = P256.Signing.PrivateKey(seed: "seed", label: "label")
        check("P-256 seed derivation is deterministic", seeded.rawRepresentation == P256.Signing.PrivateKey(seed: "seed", label: "label").rawRepresentation)
        let p384 = try? P384.Signing.PublicKey(x963Representation: hex("04ec3a4e415b4e19a4568618029f427fa5da9a8bc4ae92e02e06aae5286b300c64def8f0ea9055866064a254515480bc138015d9b72d7d57244ea8ef9ac0c621896708a59367f9dfb9f54ca84b3f1c9db1288b231c3ae0d4fe7344fd2533264720"))
        let p384Signature = try? ECDSASignature(rawRepresentation: hex("94edbb92a5ecb8aad4736e56c691916b3f88140666ce9fa73d64c4ea95ad133c81a648152e44acf96e36dd1e80fabe4699ef4aeb15f178cea1fe40db2603138f130e740a19624526203b6351d0a3a94fa329c145786e679e7b82c71a38628ac8"))
        if let p384, let p384Signature {
            check("P-384 verifies (RFC 6979 A.2.6)", p384.isValidSignature(p384Signature, for: Array("sample".utf8)))
            check("P-384 refuses another message", !p384.isValidSignature(p384Signature, for: Array("test".utf8)))
        } else {
            check("P-384 key", false)
        }
    }

    func rsa(_ check: inout Checker) {
        guard let key = try? RSA.Signing.PublicKey(modulus: hex(RSAVector.modulus), exponent: [1, 0, 1]) else {
            return check("RSA key", false)
        }
        let message = Array("Swiftlet RSA known-answer message".utf8)
        check("RSA PKCS#1 v1.5", key.isValidSignature(hex(RSAVector.pkcs1SHA256), for: message, hash: SHA256.self, padding: .pkcs1v1_5))
        check("RSA PSS", key.isValidSignature(hex(RSAVector.pssSHA256), for: message, hash: SHA256.self, padding: .pss))
        check("RSA PSS refuses PKCS#1", !key.isValidSignature(hex(RSAVector.pkcs1SHA256), for: message, hash: SHA256.self, padding: .pss))
        check("RSA refuses another message", !key.isValidSignature(hex(RSAVector.pssSHA256), for: message + [0], hash: SHA256.self, padding: .pss))
    }

    /// Throughput on 16 KiB messages (as `openssl speed`'s largest block) and signatures per second.
    func benchmark(seconds: Int) {
        let block = [UInt8](repeating: 0x5a, count: 16384)
        let nonce = [UInt8](repeating: 1, count: 12)
        let limit = Duration.seconds(Int64(max(1, seconds)))
        func measure(_ name: String, bytesPerRound: Int, _ round: () -> Void) {
            let start = monotonicClock.now()
            var rounds = 0
            while monotonicClock.now() - start < limit {
                round()
                rounds += 1
            }
            let microseconds = max(1, Int64((monotonicClock.now() - start).nanosecondsClamped / 1000))
            if bytesPerRound > 0 {
                print("BENCH \(name) \(Int64(rounds) * Int64(bytesPerRound) / microseconds) MB/s")
            } else {
                print("BENCH \(name) \(Int64(rounds) * 1_000_000 / microseconds) per second")
            }
        }
        if let gcm = try? AEADKey(.aes128GCM, key: SymmetricKey(data: [UInt8](repeating: 7, count: 16))) {
            var data = block
            measure("aes-128-gcm", bytesPerRound: block.count) { _ = gcm.seal(&data, nonce: nonce, authenticating: []) }
        }
        if let chacha = try? AEADKey(.chacha20Poly1305, key: SymmetricKey(data: [UInt8](repeating: 7, count: 32))) {
            var data = block
            measure("chacha20-poly1305", bytesPerRound: block.count) { _ = chacha.seal(&data, nonce: nonce, authenticating: []) }
        }
        measure("sha256", bytesPerRound: block.count) {
            var hash = SHA256()
            hash.update(data: block)
            _ = hash.finalize()
        }
        let key = P256.Signing.PrivateKey(seed: "bench", label: "p256")
        let digest = SHA256.hash(data: block)
        var signature = key.signature(forDigest: digest)
        var counter: UInt8 = 0
        var message = digest
        measure("p256-sign", bytesPerRound: 0) {
            counter &+= 1
            message[0] = counter
            signature = key.signature(forDigest: message)
        }
        let publicKey = key.publicKey
        measure("p256-verify", bytesPerRound: 0) { _ = publicKey.isValidSignature(signature, forDigest: message) }
    }
}

/// Counts checks and prints the failing ones.
struct Checker {
    var count = 0
    var failures = 0

    mutating func callAsFunction(_ name: String, _ passed: Bool) {
        count += 1
        if !passed {
            failures += 1
            print("FAILED: \(name)")
        }
    }

    mutating func callAsFunction(_ name: String, _ bytes: [UInt8], _ expected: String) {
        self(name, bytes == hex(expected))
    }
}

/// Bytes from hexadecimal digits.
func hex(_ string: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8? = nil
    for character in string.utf8 {
        let value: UInt8
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
        default: continue
        }
        if let first = high {
            bytes.append(first << 4 | value)
            high = nil
        } else {
            high = value
        }
    }
    return bytes
}
