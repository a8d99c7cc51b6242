import Foundation
import SwiftletDevices
@testable import SwiftletX509
import Testing

/// Swiftlet verifying chains that openssl made, and refusing the broken ones.
@Suite struct VerificationTests {
    static var now: WallClockTime { WallClockTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) }

    @Test(arguments: TestPKI.Kind.allCases)
    func acceptsOpenSSLChains(kind: TestPKI.Kind) throws {
        guard let pki = try TestPKI.shared(kind) else { return }
        let path = try verifyChain(leaf: pki.leaf, intermediates: [pki.intermediate], trustAnchors: [pki.otherRoot, pki.root],
                                   hostname: TestPKI.hostname, now: Self.now)
        #expect(path == [pki.leaf, pki.intermediate, pki.root])
        // The wildcard entry, the IP entry, no host name at all, and intermediates in any order with extras.
        for host in ["x.wild.example.test", "LEAF.example.test.", "127.0.0.1", nil] as [String?] {
            _ = try verifyChain(leaf: pki.leaf, intermediates: [pki.otherRoot, pki.clientLeaf, pki.intermediate],
                                trustAnchors: [pki.root], hostname: host, now: Self.now)
        }
    }

    @Test(arguments: TestPKI.Kind.allCases)
    func refusesBrokenChains(kind: TestPKI.Kind) throws {
        guard let pki = try TestPKI.shared(kind) else { return }
        func verify(_ leaf: Certificate? = nil, intermediates: [Certificate]? = nil, anchors: [Certificate]? = nil,
                    host: String? = TestPKI.hostname, at time: WallClockTime = VerificationTests.now) throws(CertificateError) {
            _ = try verifyChain(leaf: leaf ?? pki.leaf, intermediates: intermediates ?? [pki.intermediate],
                                trustAnchors: anchors ?? [pki.root], hostname: host, now: time)
        }
        let leaf = pki.leaf
        #expect(throws: CertificateError.expired) {
            try verify(at: WallClockTime(secondsSinceEpoch: leaf.notAfter.secondsSinceEpoch + 1))
        }
        #expect(throws: CertificateError.notYetValid) {
            try verify(at: WallClockTime(secondsSinceEpoch: leaf.notBefore.secondsSinceEpoch - 1))
        }
        for host in ["other.example.test", "a.b.wild.example.test", "wild.example.test", "example.test", "127.0.0.2"] {
            #expect(throws: CertificateError.nameMismatch, "\(host)") { try verify(host: host) }
        }
        #expect(throws: CertificateError.unknownIssuer) { try verify(anchors: [pki.otherRoot]) }
        #expect(throws: CertificateError.unknownIssuer) { try verify(intermediates: []) }
        #expect(throws: CertificateError.unknownIssuer) { try verify(anchors: []) }
        // The leaf (CA:FALSE) signed a certificate: neither as intermediate nor as anchor does it issue.
        #expect(throws: CertificateError.notACA) {
            try verify(pki.signedByLeaf, intermediates: [pki.leaf, pki.intermediate], host: "victim.example.test")
        }
        #expect(throws: CertificateError.notACA) {
            try verify(pki.signedByLeaf, intermediates: [], anchors: [pki.leaf], host: "victim.example.test")
        }
        #expect(throws: CertificateError.usageNotAllowed) { try verify(pki.clientLeaf) }
        #expect(pki.strangeLeaf.extensions.unhandledCriticalExtensions.map(\.description) == ["1.3.6.1.4.1.55555.1"])
        #expect(throws: CertificateError.unhandledCriticalExtension) { try verify(pki.strangeLeaf) }
        // Same name as the root, other key: the intermediate's authority key identifier rules it out.
        #expect(pki.impostorRoot.subject == pki.root.subject)
        #expect(throws: CertificateError.unknownIssuer) { try verify(anchors: [pki.impostorRoot]) }
        #expect(throws: CertificateError.pathLengthExceeded) {
            try verify(pki.deepLeaf, intermediates: [pki.deepIntermediate, pki.intermediate])
        }
        // One bit flipped in the signature, then in the signed part (a SAN byte).
        var tampered = leaf.der
        tampered[tampered.count - 5] ^= 0x01
        #expect(throws: CertificateError.badSignature) { try verify(try Certificate(derEncoded: tampered)) }
        var renamed = leaf.der
        let san = try #require(indexOf(Array("leaf.example.test".utf8), in: renamed))
        renamed[san] = UInt8(ascii: "l") ^ 0x20  // "Leaf.example.test": still a valid certificate
        #expect(throws: CertificateError.badSignature) { try verify(try Certificate(derEncoded: renamed)) }
        var forgedIntermediate = pki.intermediate.der
        forgedIntermediate[forgedIntermediate.count - 3] ^= 0x40
        #expect(throws: CertificateError.badSignature) { try verify(intermediates: [try Certificate(derEncoded: forgedIntermediate)]) }
    }

    /// An old-style v1 root (no extensions) is trusted as an anchor, but a v1 certificate is not a
    /// CA anywhere else.
    @Test func versionOneRootsAreAnchorsOnly() throws {
        guard let openssl = try OpenSSL.make() else { return }
        defer { openssl.cleanUp() }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try openssl.succeed(["req", "-new"] + ec + ["-keyout", "root.key", "-out", "root.csr", "-subj", "/CN=Old Root"])
        try openssl.succeed(["x509", "-req", "-in", "root.csr", "-signkey", "root.key", "-days", "2", "-out", "root.pem"])
        try openssl.write("subjectAltName=DNS:old.example.test\n", to: "leaf.ext")
        try openssl.succeed(["req", "-new"] + ec + ["-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=old.example.test"])
        try openssl.succeed(["x509", "-req", "-in", "leaf.csr", "-CA", "root.pem", "-CAkey", "root.key", "-set_serial", "2",
                             "-days", "1", "-extfile", "leaf.ext", "-out", "leaf.pem"])
        let root = try Certificate(pemEncoded: try openssl.read("root.pem"))
        let leaf = try Certificate(pemEncoded: try openssl.read("leaf.pem"))
        #expect(root.version == 1)
        #expect(try verifyChain(leaf: leaf, intermediates: [], trustAnchors: [root], hostname: "old.example.test",
                                now: Self.now) == [leaf, root])
        // The same v1 certificate as an intermediate under some anchor is no CA.
        #expect(throws: CertificateError.notACA) {
            try CertificateVerifier(trustAnchors: []).checkIssuer(root, of: leaf, intermediatesBelow: 0, isAnchor: false, now: Self.now)
        }
    }

    private func indexOf(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).last { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
