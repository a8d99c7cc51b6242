import SwiftletCrypto

/// Checks signatures of certificates (and CSRs) with SwiftletCrypto.
enum SignatureCheck {
    /// Throws unless `issuerKey` signed `certificate`'s tbsCertificate.
    static func verify(_ certificate: Certificate, signedBy issuerKey: SubjectPublicKeyInfo) throws(CertificateError) {
        try verify(signature: certificate.signature, algorithm: certificate.signatureAlgorithm,
                   message: certificate.tbsCertificate, key: issuerKey)
    }

    /// Throws unless `signature` under `algorithm` signs `message` with `key`.
    static func verify(signature: [UInt8], algorithm: SignatureAlgorithm, message: [UInt8],
                       key: SubjectPublicKeyInfo) throws(CertificateError) {
        switch (algorithm, key.key) {
        case (.ecdsa(let hash), .p256(let point)):
            guard let publicKey = try? P256.Signing.PublicKey(x963Representation: point),
                  let digest = digest(message, hash) else { throw .unsupportedAlgorithm }
            guard let value = try? ECDSASignature(derRepresentation: signature),
                  publicKey.isValidSignature(value, forDigest: digest) else { throw .badSignature }
        case (.ecdsa(let hash), .p384(let point)):
            guard let publicKey = try? P384.Signing.PublicKey(x963Representation: point),
                  let digest = digest(message, hash) else { throw .unsupportedAlgorithm }
            guard let value = try? ECDSASignature(derRepresentation: signature),
                  publicKey.isValidSignature(value, forDigest: digest) else { throw .badSignature }
        case (.rsaPKCS1(let hash), .rsa(let modulus, let exponent)):
            guard hash != .sha1, let publicKey = try? RSA.Signing.PublicKey(modulus: modulus, exponent: exponent) else { throw .unsupportedAlgorithm }
            guard rsa(publicKey, signature, message, hash, .pkcs1v1_5) else { throw .badSignature }
        case (.rsaPSS(let hash, let maskHash, let saltLength), .rsa(let modulus, let exponent)):
            // SwiftletCrypto's PSS is MGF1 over the same hash with a hash-long salt, which is what
            // every CA issues.
            guard maskHash == hash, saltLength == hash.byteCount, hash != .sha1,
                  let publicKey = try? RSA.Signing.PublicKey(modulus: modulus, exponent: exponent) else { throw .unsupportedAlgorithm }
            guard rsa(publicKey, signature, message, hash, .pss) else { throw .badSignature }
        case (.ecdsa, .rsa), (.rsaPKCS1, .p256), (.rsaPKCS1, .p384), (.rsaPSS, .p256), (.rsaPSS, .p384):
            throw .badSignature  // the issuer's key cannot have made this signature
        default:
            throw .unsupportedAlgorithm
        }
    }

    /// The digest of `message` (SHA-1 is not accepted for signatures).
    static func digest(_ message: [UInt8], _ hash: SignatureHash) -> [UInt8]? {
        switch hash {
        case .sha1: nil
        case .sha256: SHA256.hash(data: message)
        case .sha384: SHA384.hash(data: message)
        case .sha512: SHA512.hash(data: message)
        }
    }

    private static func rsa(_ key: RSA.Signing.PublicKey, _ signature: [UInt8], _ message: [UInt8],
                            _ hash: SignatureHash, _ padding: RSA.Signing.PublicKey.Padding) -> Bool {
        switch hash {
        case .sha1: false
        case .sha256: key.isValidSignature(signature, for: message, hash: SHA256.self, padding: padding)
        case .sha384: key.isValidSignature(signature, for: message, hash: SHA384.self, padding: padding)
        case .sha512: key.isValidSignature(signature, for: message, hash: SHA512.self, padding: padding)
        }
    }
}

extension SubjectPublicKeyInfo {
    /// Whether `signature` signs `message` with this key under `algorithm`: what a TLS 1.3
    /// client checks in CertificateVerify (`ecdsa_secp256r1_sha256` is `.ecdsa(.sha256)`,
    /// `rsa_pss_rsae_sha256` is `.rsaPSS(hash: .sha256, maskHash: .sha256, saltLength: 32)`).
    /// ECDSA signatures are DER; the curve is the key's, which the caller matches to the scheme.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8], algorithm: SignatureAlgorithm) -> Bool {
        do {
            try SignatureCheck.verify(signature: signature, algorithm: algorithm, message: message, key: self)
            return true
        } catch {
            return false
        }
    }
}
