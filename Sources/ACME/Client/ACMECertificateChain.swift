import SwiftletDevices
import SwiftletX509

/// The certificate chain a CA issued (RFC 8555 section 7.4.2), parsed: the end-entity
/// certificate first, then the intermediates, as `application/pem-certificate-chain` orders them.
public struct ACMECertificateChain: Equatable, Sendable {
    /// The chain as the CA sent it.
    public let pem: String
    /// The certificates, end-entity first (never empty).
    public let certificates: [Certificate]

    /// Parses a PEM chain; it must hold at least one certificate and nothing else.
    public init(pem: String) throws(ACMEError) {
        let certificates: [Certificate]
        do {
            certificates = try Certificate.chain(pemEncoded: pem)
        } catch {
            throw .unexpectedResponse("certificate chain does not parse")
        }
        guard !certificates.isEmpty else { throw .unexpectedResponse("certificate chain is empty") }
        self.pem = pem
        self.certificates = certificates
    }

    /// The end-entity certificate.
    public var leaf: Certificate { certificates[0] }
    /// When the end-entity certificate's validity starts.
    public var notBefore: WallClockTime { leaf.notBefore }
    /// When it ends.
    public var notAfter: WallClockTime { leaf.notAfter }

    /// Whether the end-entity certificate names every one of `names` in its SAN (exactly, ignoring
    /// ASCII case: the names ordered, not wildcards).
    public func covers(_ names: [String]) -> Bool {
        let present = leaf.extensions.dnsNames.map { lowercased($0) }
        return names.allSatisfy { present.contains(lowercased($0)) }
    }

    /// Whether the end-entity certificate is for the P-256 public key `x963Representation`
    /// (`04 || x || y`): the key the CSR carried, so the chain can be served with it.
    public func certifies(p256PublicKey x963Representation: [UInt8]) -> Bool {
        leaf.publicKey.der == SubjectPublicKeyInfo(p256: x963Representation).der
    }

    private func lowercased(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
