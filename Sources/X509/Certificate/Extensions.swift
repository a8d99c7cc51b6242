/// The keyUsage bits (RFC 5280 §4.2.1.3).
public struct KeyUsage: OptionSet, Equatable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let digitalSignature = KeyUsage(rawValue: 1 << 0)
    public static let nonRepudiation = KeyUsage(rawValue: 1 << 1)
    public static let keyEncipherment = KeyUsage(rawValue: 1 << 2)
    public static let dataEncipherment = KeyUsage(rawValue: 1 << 3)
    public static let keyAgreement = KeyUsage(rawValue: 1 << 4)
    public static let keyCertSign = KeyUsage(rawValue: 1 << 5)
    public static let cRLSign = KeyUsage(rawValue: 1 << 6)
    public static let encipherOnly = KeyUsage(rawValue: 1 << 7)
    public static let decipherOnly = KeyUsage(rawValue: 1 << 8)
}

/// One entry of a subjectAltName: the forms TLS servers use; the others are kept as their tag.
public enum GeneralName: Equatable, Sendable {
    case dnsName(String)
    /// 4 bytes (IPv4) or 16 (IPv6).
    case ipAddress([UInt8])
    case other(tag: UInt8)
}

/// The extensions of a certificate that Swiftlet understands, and the critical ones it does not.
public struct CertificateExtensions: Equatable, Sendable {
    public var subjectAlternativeNames: [GeneralName]?
    /// basicConstraints: whether the subject is a CA, and its pathLenConstraint.
    public var basicConstraints: (isCA: Bool, pathLength: Int?)?
    public var keyUsage: KeyUsage?
    public var extendedKeyUsage: [ASN1ObjectIdentifier]?
    public var authorityKeyIdentifier: [UInt8]?
    public var subjectKeyIdentifier: [UInt8]?
    /// Critical extensions we do not process: a certificate with any does not verify
    /// (RFC 5280 §4.2).
    public var unhandledCriticalExtensions: [ASN1ObjectIdentifier] = []

    public init() {}

    public static func == (lhs: CertificateExtensions, rhs: CertificateExtensions) -> Bool {
        lhs.subjectAlternativeNames == rhs.subjectAlternativeNames
            && lhs.basicConstraints?.isCA == rhs.basicConstraints?.isCA
            && lhs.basicConstraints?.pathLength == rhs.basicConstraints?.pathLength
            && lhs.keyUsage == rhs.keyUsage && lhs.extendedKeyUsage == rhs.extendedKeyUsage
            && lhs.authorityKeyIdentifier == rhs.authorityKeyIdentifier
            && lhs.subjectKeyIdentifier == rhs.subjectKeyIdentifier
            && lhs.unhandledCriticalExtensions == rhs.unhandledCriticalExtensions
    }

    /// The dNSName entries of subjectAltName.
    public var dnsNames: [String] {
        (subjectAlternativeNames ?? []).compactMap { if case .dnsName(let name) = $0 { name } else { nil } }
    }

    /// Parses `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension`.
    init(from reader: inout DERReader) throws(DERError) {
        self.init()
        var list = try reader.readSequence()
        guard !list.isAtEnd else { throw .invalidValue("empty extensions") }
        var seen: [ASN1ObjectIdentifier] = []
        while !list.isAtEnd {
            var item = try list.readSequence()
            let identifier = try item.readObjectIdentifier()
            var critical = false
            if item.nextTag == DERTag.boolean {
                critical = try item.readBoolean()
                guard critical else { throw .invalidValue("DEFAULT FALSE encoded") }
            }
            let value = try item.readOctetString()
            try item.finish()
            guard !seen.contains(identifier) else { throw .invalidValue("duplicate extension") }
            seen.append(identifier)
            var inner = DERReader(value, depth: item.depth + 1)
            switch identifier {
            case .subjectAltName: subjectAlternativeNames = try CertificateExtensions.generalNames(&inner)
            case .basicConstraints: basicConstraints = try CertificateExtensions.basicConstraints(&inner)
            case .keyUsage: keyUsage = try CertificateExtensions.keyUsage(&inner)
            case .extendedKeyUsage:
                var usages: [ASN1ObjectIdentifier] = []
                var sequence = try inner.readSequence()
                while !sequence.isAtEnd { usages.append(try sequence.readObjectIdentifier()) }
                guard !usages.isEmpty else { throw .invalidValue("empty extendedKeyUsage") }
                extendedKeyUsage = usages
            case .subjectKeyIdentifier: subjectKeyIdentifier = Array(try inner.readOctetString())
            case .authorityKeyIdentifier:
                var sequence = try inner.readSequence()
                // keyIdentifier [0] IMPLICIT OCTET STRING; issuer and serial ([1], [2]) skipped.
                if let key = try sequence.readOptionalElement(tag: DERTag.context(0, constructed: false)) {
                    authorityKeyIdentifier = Array(key.content)
                }
                while !sequence.isAtEnd { _ = try sequence.readElement() }
            default:
                if critical { unhandledCriticalExtensions.append(identifier) }
                continue
            }
            try inner.finish()
        }
    }

    private static func generalNames(_ reader: inout DERReader) throws(DERError) -> [GeneralName] {
        var names: [GeneralName] = []
        var sequence = try reader.readSequence()
        while !sequence.isAtEnd {
            let element = try sequence.readElement()
            switch element.tag {
            case DERTag.context(2, constructed: false):
                names.append(.dnsName(try DERString.decode(tag: DERTag.ia5String, content: element.content)))
            case DERTag.context(7, constructed: false):
                guard element.content.count == 4 || element.content.count == 16 else { throw .invalidValue("iPAddress length") }
                names.append(.ipAddress(Array(element.content)))
            default:
                names.append(.other(tag: element.tag))
            }
        }
        guard !names.isEmpty else { throw .invalidValue("empty subjectAltName") }
        return names
    }

    private static func basicConstraints(_ reader: inout DERReader) throws(DERError) -> (isCA: Bool, pathLength: Int?) {
        var sequence = try reader.readSequence()
        var isCA = false
        if sequence.nextTag == DERTag.boolean {
            isCA = try sequence.readBoolean()
            guard isCA else { throw .invalidValue("DEFAULT FALSE encoded") }
        }
        var pathLength: Int?
        if sequence.nextTag == DERTag.integer { pathLength = try sequence.readSmallInteger() }
        try sequence.finish()
        return (isCA, pathLength)
    }

    private static func keyUsage(_ reader: inout DERReader) throws(DERError) -> KeyUsage {
        let (bytes, _) = try reader.readBitString()
        guard bytes.count <= 2 else { throw .invalidValue("keyUsage too long") }
        var bits: UInt16 = 0
        for (index, byte) in bytes.enumerated() {
            for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 { bits |= 1 << UInt16(index * 8 + bit) }
        }
        return KeyUsage(rawValue: bits)
    }
}
