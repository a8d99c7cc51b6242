import SwiftletDevices

/// An X.509 certificate (RFC 5280), parsed. Parsing checks structure only; whether to trust it is
/// `CertificateVerifier`'s job.
///
/// ```swift
/// let chain = try Certificate.chain(pemEncoded: pemText)   // leaf first
/// print(chain[0].subject.commonName ?? "-", chain[0].extensions.dnsNames)
/// ```
public struct Certificate: Equatable, Sendable {
    /// The whole certificate as encoded.
    public let der: [UInt8]
    /// The signed part (`tbsCertificate`, tag and length included), as encoded.
    public let tbsCertificate: [UInt8]
    /// 1, 2 or 3.
    public let version: Int
    /// The serial number's content octets (two's complement, as encoded).
    public let serialNumber: [UInt8]
    public let signatureAlgorithm: SignatureAlgorithm
    public let issuer: DistinguishedName
    public let subject: DistinguishedName
    public let notBefore: WallClockTime
    public let notAfter: WallClockTime
    public let publicKey: SubjectPublicKeyInfo
    public let extensions: CertificateExtensions
    /// The signature value (the BIT STRING's octets).
    public let signature: [UInt8]

    /// Parses a DER certificate; bytes after it are an error.
    public init(derEncoded bytes: [UInt8]) throws(DERError) {
        var outer = DERReader(bytes)
        var certificate = try outer.readSequence()
        try outer.finish()

        let tbsElement = try certificate.readElement(tag: DERTag.sequence)
        let outerAlgorithm = try SignatureAlgorithm(from: &certificate)
        signature = Array(try certificate.readOctetAlignedBitString())
        try certificate.finish()

        var tbs = try certificate.reader(into: tbsElement)
        if var explicitVersion = try tbs.readOptionalExplicit(0) {
            let number = try explicitVersion.readSmallInteger()
            try explicitVersion.finish()
            // v1 is the DEFAULT, so DER never encodes it.
            guard number == 1 || number == 2 else { throw number == 0 ? .invalidValue("DEFAULT version encoded") : .unsupported("version") }
            version = number + 1
        } else {
            version = 1
        }
        serialNumber = Array(try tbs.readIntegerBytes())
        guard serialNumber.count <= 21 else { throw .invalidValue("serial number over 20 octets") }
        signatureAlgorithm = try SignatureAlgorithm(from: &tbs)
        guard signatureAlgorithm == outerAlgorithm else { throw .invalidValue("signature algorithms differ") }
        let issuerElement = try tbs.readElement(tag: DERTag.sequence)
        issuer = try DistinguishedName(element: issuerElement, depth: tbs.depth)
        var validity = try tbs.readSequence()
        notBefore = try validity.readTime()
        notAfter = try validity.readTime()
        try validity.finish()
        let subjectElement = try tbs.readElement(tag: DERTag.sequence)
        subject = try DistinguishedName(element: subjectElement, depth: tbs.depth)
        publicKey = try SubjectPublicKeyInfo(from: &tbs)
        // issuerUniqueID [1] and subjectUniqueID [2]: obsolete, skipped.
        _ = try tbs.readOptionalElement(tag: DERTag.context(1, constructed: false))
        _ = try tbs.readOptionalElement(tag: DERTag.context(2, constructed: false))
        if var explicitExtensions = try tbs.readOptionalExplicit(3) {
            guard version == 3 else { throw .invalidValue("extensions in a v1/v2 certificate") }
            extensions = try CertificateExtensions(from: &explicitExtensions)
            try explicitExtensions.finish()
        } else {
            extensions = CertificateExtensions()
        }
        try tbs.finish()
        tbsCertificate = Array(tbsElement.encoded)
        der = bytes
    }

    /// Parses the first CERTIFICATE block of PEM text.
    public init(pemEncoded text: String) throws(X509Error) {
        let chain = try Certificate.chain(pemEncoded: text)
        self = chain[0]
    }

    /// Every CERTIFICATE block of PEM text, in order (a chain file: leaf first). Other labels
    /// (a private key in the same file) are skipped; no certificate at all is an error.
    public static func chain(pemEncoded text: String) throws(X509Error) -> [Certificate] {
        let blocks: [PEMBlock]
        do { blocks = try PEM.parse(text) } catch { throw .pem(error) }
        var certificates: [Certificate] = []
        for block in blocks where block.label == "CERTIFICATE" {
            do { certificates.append(try Certificate(derEncoded: block.der)) } catch { throw .der(error) }
        }
        guard !certificates.isEmpty else { throw .pem(.noBlock) }
        return certificates
    }

    /// The certificate as one PEM block.
    public var pemEncoded: String { PEM.encode(der, label: "CERTIFICATE") }

    /// Whether issuer and subject are the same name (a root, or a self-signed leaf).
    public var isSelfIssued: Bool { issuer == subject }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { lhs.der == rhs.der }
}

/// A failure to read PEM or DER input (a certificate, a key, a CSR).
public enum X509Error: Error, Equatable, Sendable {
    case pem(PEMError)
    case der(DERError)
}
