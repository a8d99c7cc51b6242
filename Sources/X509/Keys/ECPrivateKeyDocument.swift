/// A P-256 private key as stored in files: SEC1 `ECPrivateKey` (RFC 5915, PEM label
/// `EC PRIVATE KEY`) or PKCS#8 `PrivateKeyInfo` (RFC 5208/5958, label `PRIVATE KEY`).
///
/// Only the key's bytes live here; `P256.Signing.PrivateKey(pemRepresentation:)` turns them
/// into a key that signs.
public struct ECPrivateKeyDocument: Sendable {
    /// The private scalar, 32 bytes big-endian.
    public let scalar: [UInt8]
    /// The public point (`04 || x || y`) if the file carries it.
    public let publicKey: [UInt8]?

    public init(scalar: [UInt8], publicKey: [UInt8]?) {
        self.scalar = scalar
        self.publicKey = publicKey
    }

    /// Parses SEC1 `ECPrivateKey` DER, which must name the curve (P-256).
    public init(sec1DER bytes: [UInt8]) throws(DERError) {
        var reader = DERReader(bytes)
        try self.init(sec1: &reader, outerCurve: nil)
        try reader.finish()
    }

    private init(sec1 reader: inout DERReader, outerCurve: ASN1ObjectIdentifier?) throws(DERError) {
        var sequence = try reader.readSequence()
        guard try sequence.readSmallInteger() == 1 else { throw .unsupported("ECPrivateKey version") }
        let privateKey = try sequence.readOctetString()
        // RFC 5915: ceiling(log2(n)/8) octets; shorter ones (leading zeros dropped) are padded.
        guard !privateKey.isEmpty, privateKey.count <= 32 else { throw .invalidValue("P-256 private key length") }
        var curve = outerCurve
        if var parameters = try sequence.readOptionalExplicit(0) {
            let named = try parameters.readObjectIdentifier()
            try parameters.finish()
            guard outerCurve == nil || outerCurve == named else { throw .invalidValue("curves differ") }
            curve = named
        }
        guard curve == .secp256r1 else { throw curve == nil ? .invalidValue("no curve named") : .unsupported("curve") }
        var point: [UInt8]?
        if var field = try sequence.readOptionalExplicit(1) {
            point = Array(try field.readOctetAlignedBitString())
            try field.finish()
            guard point?.count == 65, point?.first == 0x04 else { throw .invalidValue("public point") }
        }
        try sequence.finish()
        scalar = [UInt8](repeating: 0, count: 32 - privateKey.count) + Array(privateKey)
        publicKey = point
    }

    /// Parses PKCS#8 `PrivateKeyInfo` (or v2 `OneAsymmetricKey`) DER holding an EC P-256 key.
    public init(pkcs8DER bytes: [UInt8]) throws(DERError) {
        var reader = DERReader(bytes)
        var sequence = try reader.readSequence()
        try reader.finish()
        let version = try sequence.readSmallInteger()
        guard version == 0 || version == 1 else { throw .unsupported("PKCS#8 version") }
        var algorithm = try sequence.readSequence()
        guard try algorithm.readObjectIdentifier() == .ecPublicKey else { throw .unsupported("not an EC key") }
        let curve = try algorithm.readObjectIdentifier()
        try algorithm.finish()
        let inner = try sequence.readOctetString()
        // attributes [0] and (v2) publicKey [1] follow; neither is needed.
        _ = try sequence.readOptionalElement(tag: DERTag.context(0, constructed: true))
        _ = try sequence.readOptionalElement(tag: DERTag.context(1, constructed: false))
        try sequence.finish()
        var sec1 = DERReader(inner, depth: sequence.depth + 1)
        try self.init(sec1: &sec1, outerCurve: curve)
        try sec1.finish()
    }

    /// Parses PEM holding one `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` (SEC1) block; other
    /// blocks in the text (certificates, `EC PARAMETERS`) are skipped.
    public init(pemEncoded text: String) throws(X509Error) {
        let blocks: [PEMBlock]
        do { blocks = try PEM.parse(text) } catch { throw .pem(error) }
        for block in blocks {
            do {
                switch block.label {
                case "PRIVATE KEY": self = try ECPrivateKeyDocument(pkcs8DER: block.der); return
                case "EC PRIVATE KEY": self = try ECPrivateKeyDocument(sec1DER: block.der); return
                default: continue
                }
            } catch {
                throw .der(error)
            }
        }
        throw .pem(.noBlock)
    }

    /// SEC1 `ECPrivateKey` DER (with the curve, and the public point if known).
    public var sec1DER: [UInt8] { sec1(namingCurve: true) }

    private func sec1(namingCurve: Bool) -> [UInt8] {
        var builder = DERBuilder()
        builder.sequence { body in
            body.integer(1)
            body.octetString(scalar)
            if namingCurve { body.explicit(0) { $0.objectIdentifier(.secp256r1) } }
            if let publicKey { body.explicit(1) { $0.bitString(publicKey) } }
        }
        return builder.bytes
    }

    /// PKCS#8 `PrivateKeyInfo` DER, as `openssl genpkey` writes it.
    public var pkcs8DER: [UInt8] {
        var builder = DERBuilder()
        builder.sequence { body in
            body.integer(0)
            body.sequence { algorithm in
                algorithm.objectIdentifier(.ecPublicKey)
                algorithm.objectIdentifier(.secp256r1)
            }
            body.octetString(sec1(namingCurve: false))
        }
        return builder.bytes
    }

    /// PKCS#8 in PEM (`PRIVATE KEY`).
    public var pkcs8PEM: String { PEM.encode(pkcs8DER, label: "PRIVATE KEY") }
    /// SEC1 in PEM (`EC PRIVATE KEY`).
    public var sec1PEM: String { PEM.encode(sec1DER, label: "EC PRIVATE KEY") }
}
