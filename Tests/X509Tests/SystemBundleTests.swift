import Foundation
import SwiftletDevices
import SwiftletX509
import Testing

/// The host's CA bundle: real roots of every vintage, which a TLS client loads as trust anchors.
@Suite struct SystemBundleTests {
    static let bundle = "/etc/ssl/certs/ca-certificates.crt"

    @Test func everyRootParsesAndItsSelfSignatureVerifies() throws {
        guard let text = try? String(contentsOfFile: Self.bundle, encoding: .utf8) else {
            print("SystemBundleTests: skipped: no \(Self.bundle) (Debian's ca-certificates)")
            return
        }
        let roots = try Certificate.chain(pemEncoded: text)
        #expect(roots.count == text.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1)
        var verified = 0, sha1 = 0
        for root in roots where root.isSelfIssued {
            let name = root.subject.commonName ?? "?"
            let valid = root.publicKey.isValidSignature(root.signature, for: root.tbsCertificate, algorithm: root.signatureAlgorithm)
            if root.signatureAlgorithm == .rsaPKCS1(.sha1) || root.signatureAlgorithm == .ecdsa(.sha1) {
                #expect(!valid, "\(name): SHA-1 accepted")  // refused; an anchor's own signature is never checked
                sha1 += 1
            } else {
                #expect(valid, "\(name): \(root.signatureAlgorithm)")
                verified += 1
            }
            // Pinned as its own anchor, inside its validity window.
            let middle = WallClockTime(secondsSinceEpoch: (root.notBefore.secondsSinceEpoch + root.notAfter.secondsSinceEpoch) / 2)
            #expect(throws: Never.self, "\(name)") {
                try CertificateVerifier(trustAnchors: [root]).verify(leaf: root, intermediates: [], hostname: nil, now: middle)
            }
        }
        print("SystemBundleTests: \(roots.count) roots parsed, \(verified) self-signatures verified, \(sha1) SHA-1 ones refused")
        #expect(verified > 0)
    }
}
