import Foundation
import SwiftletX509

/// A root → intermediate → leaf hierarchy that openssl makes at test time, with the broken
/// variants the verifier must refuse. One per key kind, made once per test run.
struct TestPKI {
    enum Kind: String, CaseIterable, Sendable {
        case rsa, p256, p384

        var keyOptions: [String] {
            switch self {
            case .rsa: ["-newkey", "rsa:2048"]
            case .p256: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            case .p384: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]
            }
        }
        var digest: String { self == .p384 ? "-sha384" : "-sha256" }
        /// RSA leaves are signed with RSASSA-PSS, the other RSA certificates with PKCS#1 v1.5.
        var leafSignatureOptions: [String] {
            self == .rsa ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"] : []
        }
    }

    let root: Certificate
    let intermediate: Certificate
    let leaf: Certificate
    /// Another root, of another name, that issued nothing here.
    let otherRoot: Certificate
    /// A certificate that the leaf (not a CA) signed.
    let signedByLeaf: Certificate
    /// A leaf for clientAuth only.
    let clientLeaf: Certificate
    /// A CA under the intermediate (whose pathlen is 0), and a leaf under it.
    let deepIntermediate: Certificate
    let deepLeaf: Certificate
    /// A leaf with a critical extension nobody knows.
    let strangeLeaf: Certificate
    /// A root with the real root's name but another key.
    let impostorRoot: Certificate

    static let hostname = "leaf.example.test"

    /// nil when openssl is absent (the reason printed).
    static func make(_ kind: Kind) throws -> TestPKI? {
        guard let openssl = try OpenSSL.make() else { return nil }
        defer { openssl.cleanUp() }
        let key = kind.keyOptions, digest = kind.digest

        func selfSigned(_ name: String, _ subject: String) throws {
            try openssl.succeed(["req", "-x509", "-nodes"] + key + [digest, "-keyout", "\(name).key", "-out", "\(name).pem",
                                "-days", "30", "-subj", subject,
                                "-addext", "basicConstraints=critical,CA:TRUE",
                                "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        func issue(_ name: String, _ subject: String, by issuer: String, extensions: String, extra: [String] = []) throws {
            try openssl.write(extensions + "\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n", to: "\(name).ext")
            try openssl.succeed(["req", "-new", "-nodes"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try openssl.succeed(["x509", "-req", "-in", "\(name).csr", "-CA", "\(issuer).pem", "-CAkey", "\(issuer).key",
                                 "-set_serial", String(Int.random(in: 1...1_000_000_000)), "-days", "20", digest,
                                 "-extfile", "\(name).ext", "-out", "\(name).pem"] + extra)
        }
        try selfSigned("root", "/O=Swiftlet Tests/CN=Test Root \(kind.rawValue)")
        try selfSigned("other", "/O=Swiftlet Tests/CN=Other Root \(kind.rawValue)")
        try issue("inter", "/O=Swiftlet Tests/CN=Test Intermediate", by: "root",
                  extensions: "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign")
        let leafExtensions = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            + "subjectAltName=DNS:\(hostname),DNS:*.wild.example.test,IP:127.0.0.1"
        try issue("leaf", "/CN=\(hostname)", by: "inter", extensions: leafExtensions + "\nextendedKeyUsage=serverAuth",
                  extra: kind.leafSignatureOptions)
        try issue("client", "/CN=client.example.test", by: "inter",
                  extensions: "subjectAltName=DNS:\(hostname)\nextendedKeyUsage=clientAuth")
        try issue("victim", "/CN=victim.example.test", by: "leaf", extensions: "subjectAltName=DNS:victim.example.test")
        try issue("deep", "/O=Swiftlet Tests/CN=Deep Intermediate", by: "inter",
                  extensions: "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign")
        try issue("deepleaf", "/CN=\(hostname)", by: "deep", extensions: leafExtensions)
        try issue("strange", "/CN=\(hostname)", by: "inter", extensions: leafExtensions + "\n1.3.6.1.4.1.55555.1=critical,ASN1:NULL")
        try selfSigned("impostor", "/O=Swiftlet Tests/CN=Test Root \(kind.rawValue)")

        func load(_ name: String) throws -> Certificate { try Certificate(pemEncoded: try openssl.read("\(name).pem")) }
        return TestPKI(root: try load("root"), intermediate: try load("inter"), leaf: try load("leaf"),
                       otherRoot: try load("other"), signedByLeaf: try load("victim"), clientLeaf: try load("client"),
                       deepIntermediate: try load("deep"), deepLeaf: try load("deepleaf"),
                       strangeLeaf: try load("strange"), impostorRoot: try load("impostor"))
    }

    /// Made once per kind per run: openssl's RSA key generation is the slow part.
    static func shared(_ kind: Kind) throws -> TestPKI? {
        switch kind {
        case .rsa: try rsa.get()
        case .p256: try p256.get()
        case .p384: try p384.get()
        }
    }
    private static let rsa = Result(catching: { try make(.rsa) })
    private static let p256 = Result(catching: { try make(.p256) })
    private static let p384 = Result(catching: { try make(.p384) })
}
