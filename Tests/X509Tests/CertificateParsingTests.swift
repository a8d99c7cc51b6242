import SwiftletDevices
import SwiftletX509
import Testing

/// What Swiftlet reads from certificates and keys that openssl made.
@Suite struct CertificateParsingTests {
    @Test(arguments: TestPKI.Kind.allCases)
    func readsOpenSSLCertificates(kind: TestPKI.Kind) throws {
        guard let pki = try TestPKI.shared(kind) else { return }
        let leaf = pki.leaf
        #expect(leaf.version == 3)
        #expect(leaf.subject.commonName == TestPKI.hostname)
        #expect(leaf.issuer == pki.intermediate.subject)
        #expect(pki.intermediate.issuer == pki.root.subject)
        #expect(pki.root.isSelfIssued && !leaf.isSelfIssued)
        #expect(leaf.notAfter.secondsSinceEpoch - leaf.notBefore.secondsSinceEpoch == 20 * 86_400)
        #expect(leaf.extensions.subjectAlternativeNames
            == [.dnsName(TestPKI.hostname), .dnsName("*.wild.example.test"), .ipAddress([127, 0, 0, 1])])
        #expect(leaf.extensions.basicConstraints?.isCA == false)
        #expect(leaf.extensions.keyUsage == [.digitalSignature, .keyEncipherment])
        #expect(leaf.extensions.extendedKeyUsage == [.serverAuth])
        #expect(leaf.extensions.authorityKeyIdentifier != nil)
        #expect(leaf.extensions.authorityKeyIdentifier == pki.intermediate.extensions.subjectKeyIdentifier)
        #expect(pki.intermediate.extensions.basicConstraints?.isCA == true)
        #expect(pki.intermediate.extensions.basicConstraints?.pathLength == 0)
        #expect(pki.intermediate.extensions.keyUsage == [.keyCertSign, .cRLSign])
        #expect(leaf.extensions.unhandledCriticalExtensions.isEmpty)
        switch (kind, leaf.publicKey.key, leaf.signatureAlgorithm) {
        case (.rsa, .rsa(let modulus, let exponent), .rsaPSS(.sha256, .sha256, 32)):
            #expect(modulus.count == 256 && exponent == [1, 0, 1])
            #expect(pki.intermediate.signatureAlgorithm == .rsaPKCS1(.sha256))
        case (.p256, .p256(let point), .ecdsa(.sha256)): #expect(point.count == 65)
        case (.p384, .p384(let point), .ecdsa(.sha384)): #expect(point.count == 97)
        default: Issue.record("\(kind): key \(leaf.publicKey.key), algorithm \(leaf.signatureAlgorithm)")
        }
        // The certificate's bytes are kept and parse again to the same certificate.
        #expect(try Certificate(derEncoded: leaf.der) == leaf)
        #expect(try Certificate.chain(pemEncoded: leaf.pemEncoded + pki.intermediate.pemEncoded) == [leaf, pki.intermediate])
    }

    @Test func truncatedAndExtendedCertificatesAreRejected() throws {
        guard let pki = try TestPKI.shared(.p256) else { return }
        let der = pki.leaf.der
        for length in stride(from: 0, to: der.count, by: 7) {
            #expect(throws: DERError.self) { try Certificate(derEncoded: Array(der[..<length])) }
        }
        #expect(throws: DERError.trailingData) { try Certificate(derEncoded: der + [0]) }
    }

    @Test func readsOpenSSLPrivateKeys() throws {
        guard let openssl = try OpenSSL.make() else { return }
        defer { openssl.cleanUp() }
        try openssl.succeed(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "pkcs8.pem"])
        try openssl.succeed(["ec", "-in", "pkcs8.pem", "-out", "sec1.pem"])
        try openssl.succeed(["pkey", "-in", "pkcs8.pem", "-pubout", "-outform", "DER", "-out", "public.der"])
        let pkcs8 = try ECPrivateKeyDocument(pemEncoded: try openssl.read("pkcs8.pem"))
        let sec1 = try ECPrivateKeyDocument(pemEncoded: try openssl.read("sec1.pem"))
        #expect(pkcs8.scalar.count == 32)
        #expect(pkcs8.scalar == sec1.scalar)
        let publicKey = try SubjectPublicKeyInfo(derEncoded: try openssl.readBytes("public.der"))
        guard case .p256(let point) = publicKey.key else { Issue.record("not P-256: \(publicKey.key)"); return }
        #expect(pkcs8.publicKey == point)
        #expect(sec1.publicKey == point)
        #expect(SubjectPublicKeyInfo(p256: point) == publicKey)

        // What Swiftlet writes, openssl reads as the same key.
        try openssl.write(pkcs8.pkcs8PEM, to: "ours-pkcs8.pem")
        try openssl.write(sec1.sec1PEM, to: "ours-sec1.pem")
        for file in ["ours-pkcs8.pem", "ours-sec1.pem"] {
            try openssl.succeed(["pkey", "-in", file, "-pubout", "-outform", "DER", "-out", "\(file).der"])
            #expect(try openssl.readBytes("\(file).der") == publicKey.der, "\(file)")
        }
        #expect(try openssl.read("sec1.pem").contains(sec1.sec1PEM.dropLast()))
    }

    @Test func namesCompareAfterNormalization() throws {
        // Built by hand: PrintableString "Example  CA" against UTF8String "example ca".
        func name(_ tag: UInt8, _ text: String) throws -> DistinguishedName {
            var builder = DERBuilder()
            builder.sequence { $0.set { $0.sequence { pair in
                pair.objectIdentifier(.commonName)
                pair.element(tag: tag, content: Array(text.utf8))
            } } }
            var certificateLike = DERBuilder()
            certificateLike.raw(builder.bytes)
            return try DistinguishedName(derEncoded: certificateLike.bytes)
        }
        #expect(try name(DERTag.printableString, " Example  CA ") == name(DERTag.utf8String, "example ca"))
        #expect(try name(DERTag.printableString, "Example CA") != name(DERTag.utf8String, "Example CB"))
        #expect(try name(DERTag.utf8String, "Example CA").commonName == "Example CA")
        #expect(DistinguishedName(commonName: "Example CA") == (try name(DERTag.printableString, "EXAMPLE CA")))
    }
}
