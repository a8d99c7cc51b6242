/// A SubjectPublicKeyInfo: the public key of a certificate or CSR.
public struct SubjectPublicKeyInfo: Equatable, Sendable {
    /// The kinds of key Swiftlet verifies with.
    public enum Key: Equatable, Sendable {
        /// An uncompressed P-256 point (65 bytes, `04 || x || y`).
        case p256(x963: [UInt8])
        /// An uncompressed P-384 point (97 bytes).
        case p384(x963: [UInt8])
        /// RSA, big-endian modulus and exponent without sign octets.
        case rsa(modulus: [UInt8], exponent: [UInt8])
        /// Another algorithm or curve: parsed, not usable.
        case unsupported(algorithm: ASN1ObjectIdentifier)
    }

    /// The whole SubjectPublicKeyInfo SEQUENCE as encoded.
    public let der: [UInt8]
    public let key: Key

    /// Parses a SubjectPublicKeyInfo from its DER.
    public init(derEncoded bytes: [UInt8]) throws(DERError) {
        var reader = DERReader(bytes)
        try self.init(from: &reader)
        try reader.finish()
    }

    init(from reader: inout DERReader) throws(DERError) {
        let element = try reader.readElement(tag: DERTag.sequence)
        var sequence = try reader.reader(into: element)
        var algorithm = try sequence.readSequence()
        let identifier = try algorithm.readObjectIdentifier()
        let keyBits = Array(try sequence.readOctetAlignedBitString())
        try sequence.finish()
        switch identifier {
        case .ecPublicKey:
            // RFC 5480: namedCurve only; the point uncompressed (compressed points are optional).
            let curve = try algorithm.readObjectIdentifier()
            try algorithm.finish()
            guard keyBits.first == 0x04 else { throw .unsupported("compressed EC point") }
            switch curve {
            case .secp256r1:
                guard keyBits.count == 65 else { throw .invalidValue("P-256 point length") }
                key = .p256(x963: keyBits)
            case .secp384r1:
                guard keyBits.count == 97 else { throw .invalidValue("P-384 point length") }
                key = .p384(x963: keyBits)
            default:
                key = .unsupported(algorithm: curve)
            }
        case .rsaEncryption:
            if !algorithm.isAtEnd { try algorithm.readNull() }
            try algorithm.finish()
            var rsa = DERReader(keyBits[...], depth: sequence.depth + 1)
            var numbers = try rsa.readSequence()
            let modulus = try numbers.readUnsignedInteger()
            let exponent = try numbers.readUnsignedInteger()
            try numbers.finish()
            try rsa.finish()
            key = .rsa(modulus: Array(modulus), exponent: Array(exponent))
        default:
            key = .unsupported(algorithm: identifier)
        }
        der = Array(element.encoded)
    }

    /// The SubjectPublicKeyInfo of a P-256 public key (`04 || x || y`).
    public init(p256 x963: [UInt8]) {
        var builder = DERBuilder()
        builder.sequence { body in
            body.sequence { algorithm in
                algorithm.objectIdentifier(.ecPublicKey)
                algorithm.objectIdentifier(.secp256r1)
            }
            body.bitString(x963)
        }
        der = builder.bytes
        key = .p256(x963: x963)
    }

    /// The public key's bits: the BIT STRING's content, which key identifiers hash.
    public var keyBits: [UInt8] {
        var reader = DERReader(der)
        guard var sequence = try? reader.readSequence(), (try? sequence.readElement()) != nil,
              let bits = try? sequence.readOctetAlignedBitString() else { return [] }
        return Array(bits)
    }
}
