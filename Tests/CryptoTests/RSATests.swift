import SwiftletCrypto
import Testing

/// RSA PKCS#1 v1.5 and PSS verification on signatures made by OpenSSL, and refusals of altered
/// ones, of the wrong hash or padding, and of unusable keys.
@Suite struct RSATests {
    static let exponent: [UInt8] = [0x01, 0x00, 0x01]

    @Test func validSignaturesVerify() throws {
        for vector in RSAVectors.keys {
            let key = try RSA.Signing.PublicKey(modulus: vector.modulus, exponent: RSATests.exponent)
            let message = RSAVectors.message
            #expect(key.isValidSignature(vector.pkcs1SHA256, for: message, hash: SHA256.self, padding: .pkcs1v1_5))
            #expect(key.isValidSignature(vector.pssSHA256, for: message, hash: SHA256.self, padding: .pss))
            #expect(key.isValidSignature(vector.pssSHA384, for: message, hash: SHA384.self, padding: .pss))
            // The DER form of a modulus has a leading zero byte.
            let fromDER = try RSA.Signing.PublicKey(modulus: [0] + vector.modulus, exponent: RSATests.exponent)
            #expect(fromDER.isValidSignature(vector.pkcs1SHA256, for: message, hash: SHA256.self, padding: .pkcs1v1_5))
        }
        #expect(RSAVectors.keys.map { try! RSA.Signing.PublicKey(modulus: $0.modulus, exponent: RSATests.exponent).bitCount }
            == [2048, 2049])
    }

    @Test func wrongSignaturesFail() throws {
        for vector in RSAVectors.keys {
            let key = try RSA.Signing.PublicKey(modulus: vector.modulus, exponent: RSATests.exponent)
            let message = RSAVectors.message
            let other = message + [0]
            // Another message.
            #expect(!key.isValidSignature(vector.pkcs1SHA256, for: other, hash: SHA256.self, padding: .pkcs1v1_5))
            #expect(!key.isValidSignature(vector.pssSHA256, for: other, hash: SHA256.self, padding: .pss))
            // Another padding or hash than the signature's.
            #expect(!key.isValidSignature(vector.pkcs1SHA256, for: message, hash: SHA256.self, padding: .pss))
            #expect(!key.isValidSignature(vector.pssSHA256, for: message, hash: SHA256.self, padding: .pkcs1v1_5))
            #expect(!key.isValidSignature(vector.pssSHA256, for: message, hash: SHA384.self, padding: .pss))
            #expect(!key.isValidSignature(vector.pkcs1SHA256, for: message, hash: SHA384.self, padding: .pkcs1v1_5))
            // A salt other than the hash length (TLS 1.3 requires it).
            #expect(!key.isValidSignature(vector.pssSHA256NoSalt, for: message, hash: SHA256.self, padding: .pss))
            // Altered bits, a truncated or extended signature, all zeros, the modulus itself.
            for signature in [vector.pkcs1SHA256, vector.pssSHA256] {
                for index in [0, signature.count / 2, signature.count - 1] {
                    var altered = signature
                    altered[index] ^= 0x10
                    #expect(!key.isValidSignature(altered, for: message, hash: SHA256.self, padding: .pkcs1v1_5))
                    #expect(!key.isValidSignature(altered, for: message, hash: SHA256.self, padding: .pss))
                }
                #expect(!key.isValidSignature(Array(signature.dropFirst()), for: message, hash: SHA256.self, padding: .pss))
                #expect(!key.isValidSignature([0] + signature, for: message, hash: SHA256.self, padding: .pkcs1v1_5))
            }
            for garbage in [[UInt8](repeating: 0, count: vector.modulus.count), vector.modulus, []] {
                #expect(!key.isValidSignature(garbage, for: message, hash: SHA256.self, padding: .pss))
                #expect(!key.isValidSignature(garbage, for: message, hash: SHA256.self, padding: .pkcs1v1_5))
            }
        }
    }

    @Test func unusableKeysAreRefused() {
        let modulus = RSAVectors.keys[0].modulus
        #expect(throws: CryptoError.invalidKey) { try RSA.Signing.PublicKey(modulus: Array(modulus.prefix(128)), exponent: RSATests.exponent) }
        #expect(throws: CryptoError.invalidKey) { try RSA.Signing.PublicKey(modulus: Array(modulus.dropLast()) + [2], exponent: RSATests.exponent) }
        #expect(throws: CryptoError.invalidKey) { try RSA.Signing.PublicKey(modulus: modulus, exponent: []) }
        #expect(throws: CryptoError.invalidKey) { try RSA.Signing.PublicKey(modulus: modulus, exponent: [1]) }
        #expect(throws: CryptoError.invalidKey) { try RSA.Signing.PublicKey(modulus: modulus, exponent: [0x01, 0x00, 0x00]) }
        #expect(throws: CryptoError.invalidKey) { try RSA.Signing.PublicKey(modulus: [], exponent: RSATests.exponent) }
    }
}
