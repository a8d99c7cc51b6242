import Foundation
import SwiftletCrypto
import SwiftletDevices
import SwiftletX509
import Testing

/// CSRs, self-signed certificates and keys that Swiftlet makes, checked by openssl.
@Suite struct BuilderTests {
    static var now: WallClockTime { WallClockTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) }

    static func newKey() -> P256.Signing.PrivateKey {
        var random = SystemRandomNumberGenerator()
        return P256.Signing.PrivateKey(using: &random)
    }

    @Test func csrIsAcceptedByOpenSSLAndCarriesTheNames() throws {
        guard let openssl = try OpenSSL.make() else { return }
        defer { openssl.cleanUp() }
        let key = Self.newKey()
        let csr = try CertificateSigningRequest(commonName: "example.test", dnsNames: ["example.test", "www.example.test"],
                                                privateKey: key)
        try openssl.write(csr.pemEncoded, to: "csr.pem")
        try openssl.succeed(["req", "-in", "csr.pem", "-verify", "-noout"])
        let text = try openssl.run(["req", "-in", "csr.pem", "-noout", "-text"]).stdout
        #expect(text.contains("DNS:example.test") && text.contains("DNS:www.example.test"))
        #expect(text.contains("CN = example.test") || text.contains("CN=example.test"))

        // A changed byte in the signed part: openssl must refuse it (the check above can fail).
        var tampered = csr.der
        tampered[tampered.count / 3] ^= 0x01
        try openssl.write(PEM.encode(tampered, label: "CERTIFICATE REQUEST"), to: "tampered.pem")
        #expect(try openssl.run(["req", "-in", "tampered.pem", "-verify", "-noout"]).status != 0)

        // An openssl CA signs it, copying the requested SAN; Swiftlet verifies the result.
        try openssl.succeed(["req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                             "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=CSR Test CA"])
        try openssl.succeed(["x509", "-req", "-in", "csr.pem", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "7",
                             "-days", "1", "-copy_extensions", "copy", "-out", "issued.pem"])
        let issued = try Certificate(pemEncoded: try openssl.read("issued.pem"))
        #expect(issued.extensions.dnsNames == ["example.test", "www.example.test"])
        #expect(issued.publicKey == SubjectPublicKeyInfo(p256: key.publicKey.x963Representation))
        let anchor = try Certificate(pemEncoded: try openssl.read("ca.pem"))
        _ = try verifyChain(leaf: issued, intermediates: [], trustAnchors: [anchor], hostname: "www.example.test", now: Self.now)
    }

    @Test func selfSignedCertificateIsAcceptedByOpenSSL() throws {
        guard let openssl = try OpenSSL.make() else { return }
        defer { openssl.cleanUp() }
        let key = Self.newKey()
        let start = WallClockTime(secondsSinceEpoch: Self.now.secondsSinceEpoch - 60)
        let certificate = try Certificate.selfSigned(hostname: "swiftlet.test", alternativeNames: ["www.swiftlet.test", "127.0.0.1"],
                                                     privateKey: key, notBefore: start, days: 30)
        try openssl.write(certificate.pemEncoded, to: "cert.pem")
        try openssl.succeed(["verify", "-CAfile", "cert.pem", "-purpose", "sslserver", "-verify_hostname", "www.swiftlet.test",
                             "cert.pem"])
        try openssl.succeed(["verify", "-CAfile", "cert.pem", "-verify_ip", "127.0.0.1", "cert.pem"])
        #expect(try openssl.run(["verify", "-CAfile", "cert.pem", "-verify_hostname", "other.test", "cert.pem"]).status != 0)
        #expect(try openssl.run(["verify", "-CAfile", "cert.pem", "-verify_ip", "127.0.0.2", "cert.pem"]).status != 0)
        #expect(certificate.extensions.subjectAlternativeNames
            == [.dnsName("swiftlet.test"), .dnsName("www.swiftlet.test"), .ipAddress([127, 0, 0, 1])])
        let text = try openssl.run(["x509", "-in", "cert.pem", "-noout", "-text"]).stdout
        #expect(text.contains("DNS:swiftlet.test") && text.contains("DNS:www.swiftlet.test"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(certificate.notAfter.secondsSinceEpoch - certificate.notBefore.secondsSinceEpoch == 30 * 86_400)

        var tampered = certificate.der
        tampered[tampered.count - 4] ^= 0x01
        try openssl.write(PEM.encode(tampered, label: "CERTIFICATE"), to: "tampered.pem")
        #expect(try openssl.run(["verify", "-CAfile", "cert.pem", "tampered.pem"]).status != 0)

        // Swiftlet trusts it as a pinned anchor, for its names only, and only in its window.
        #expect(try verifyChain(leaf: certificate, intermediates: [], trustAnchors: [certificate], hostname: "swiftlet.test",
                                now: Self.now) == [certificate])
        #expect(throws: CertificateError.nameMismatch) {
            try verifyChain(leaf: certificate, intermediates: [], trustAnchors: [certificate], hostname: "x.test", now: Self.now)
        }
        #expect(throws: CertificateError.notYetValid) {
            try verifyChain(leaf: certificate, intermediates: [], trustAnchors: [certificate], hostname: nil,
                            now: WallClockTime(secondsSinceEpoch: start.secondsSinceEpoch - 1))
        }
        // Not a CA: another certificate cannot chain to it.
        #expect(throws: CertificateError.unknownIssuer) {
            try verifyChain(leaf: certificate, intermediates: [], trustAnchors: [], hostname: nil, now: Self.now)
        }
        #expect(throws: X509Error.self) { try Certificate.selfSigned(hostname: "bücher.test", privateKey: key, notBefore: start) }
    }

    @Test func keysTravelBetweenOpenSSLAndSwiftlet() throws {
        guard let openssl = try OpenSSL.make() else { return }
        defer { openssl.cleanUp() }
        try openssl.succeed(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "theirs.pem"])
        try openssl.succeed(["ec", "-in", "theirs.pem", "-out", "theirs-sec1.pem"])
        try openssl.succeed(["pkey", "-in", "theirs.pem", "-pubout", "-out", "theirs-public.pem"])
        let theirPublicKey = try PEM.parse(try openssl.read("theirs-public.pem"), expecting: "PUBLIC KEY")[0]
        for file in ["theirs.pem", "theirs-sec1.pem"] {
            let key = try P256.Signing.PrivateKey(pemRepresentation: try openssl.read(file))
            #expect(SubjectPublicKeyInfo(p256: key.publicKey.x963Representation).der == theirPublicKey, "\(file)")
            // Signed here, verified there.
            let message = Array("signed by Swiftlet with \(file)".utf8)
            try openssl.write(message, to: "message")
            try openssl.write(key.signature(for: message).derRepresentation, to: "signature")
            try openssl.succeed(["dgst", "-sha256", "-verify", "theirs-public.pem", "-signature", "signature", "message"])
        }
        // Ours, read by openssl.
        let ours = Self.newKey()
        try openssl.write(ours.pemRepresentation, to: "ours.pem")
        try openssl.succeed(["pkey", "-in", "ours.pem", "-pubout", "-outform", "DER", "-out", "ours-public.der"])
        #expect(try openssl.readBytes("ours-public.der") == SubjectPublicKeyInfo(p256: ours.publicKey.x963Representation).der)
        #expect(try P256.Signing.PrivateKey(pemRepresentation: ours.pemRepresentation).rawRepresentation == ours.rawRepresentation)
        // A file whose public point belongs to another key is refused.
        let spliced = ECPrivateKeyDocument(scalar: ours.rawRepresentation, publicKey: Self.newKey().publicKey.x963Representation)
        #expect(throws: X509Error.self) { try P256.Signing.PrivateKey(pemRepresentation: spliced.pkcs8PEM) }
    }

    /// What a TLS client checks in CertificateVerify: a signature over bytes with a certificate's key.
    @Test func signaturesOverMessagesWithOpenSSLKeys() throws {
        guard let openssl = try OpenSSL.make() else { return }
        defer { openssl.cleanUp() }
        try openssl.write(Array("TLS 1.3, server CertificateVerify".utf8), to: "message")
        let cases: [(key: [String], sign: [String], algorithm: SignatureAlgorithm)] = [
            (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], ["-sha256"], .ecdsa(.sha256)),
            (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], ["-sha384"], .ecdsa(.sha384)),
            (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
             ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"],
             .rsaPSS(hash: .sha256, maskHash: .sha256, saltLength: 32)),
            (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], ["-sha512"], .rsaPKCS1(.sha512)),
        ]
        for (index, item) in cases.enumerated() {
            try openssl.succeed(["genpkey"] + item.key + ["-out", "key\(index).pem"])
            try openssl.succeed(["pkey", "-in", "key\(index).pem", "-pubout", "-outform", "DER", "-out", "public\(index).der"])
            try openssl.succeed(["dgst"] + item.sign + ["-sign", "key\(index).pem", "-out", "signature\(index)", "message"])
            let key = try SubjectPublicKeyInfo(derEncoded: try openssl.readBytes("public\(index).der"))
            let message = try openssl.readBytes("message")
            let signature = try openssl.readBytes("signature\(index)")
            #expect(key.isValidSignature(signature, for: message, algorithm: item.algorithm), "\(item.algorithm)")
            #expect(!key.isValidSignature(signature, for: message + [0], algorithm: item.algorithm), "\(item.algorithm)")
            #expect(!key.isValidSignature(signature, for: message, algorithm: .ecdsa(.sha1)))
        }
    }
}
