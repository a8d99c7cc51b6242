/// An OBJECT IDENTIFIER, kept as its DER content octets (so comparing two is comparing bytes).
public struct ASN1ObjectIdentifier: Hashable, Sendable, CustomStringConvertible {
    /// The content octets (base-128 arcs), without tag and length.
    public let bytes: [UInt8]

    /// Checks `content` (non-empty, minimal base-128 groups, last octet ends a group).
    public init(content: ArraySlice<UInt8>) throws(DERError) {
        guard let last = content.last, last & 0x80 == 0 else { throw .invalidValue("OID") }
        var startOfArc = true
        var arcLength = 0
        for byte in content {
            if startOfArc && byte == 0x80 { throw .invalidValue("OID arc not minimal") }
            arcLength += 1
            if arcLength > 9 { throw .unsupported("OID arc over 63 bits") }
            startOfArc = byte & 0x80 == 0
            if startOfArc { arcLength = 0 }
        }
        bytes = Array(content)
    }

    /// The identifier with these arcs: `ASN1ObjectIdentifier(1, 2, 840, 10045, 2, 1)`.
    /// The first arc is 0, 1 or 2 and the second below 40 unless the first is 2.
    public init(_ arcs: UInt64...) {
        var out: [UInt8] = []
        if arcs.count >= 2 {
            ASN1ObjectIdentifier.appendArc(arcs[0] * 40 + arcs[1], to: &out)
            for arc in arcs.dropFirst(2) { ASN1ObjectIdentifier.appendArc(arc, to: &out) }
        }
        bytes = out
    }

    private static func appendArc(_ value: UInt64, to out: inout [UInt8]) {
        var groups: [UInt8] = [UInt8(value & 0x7F)]
        var rest = value >> 7
        while rest > 0 {
            groups.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(contentsOf: groups.reversed())
    }

    /// The arcs, for display.
    public var arcs: [UInt64] {
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        for byte in bytes {
            value = value << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 {
                if arcs.isEmpty {
                    let first: UInt64 = value < 40 ? 0 : (value < 80 ? 1 : 2)
                    arcs.append(first)
                    arcs.append(value - first * 40)
                } else {
                    arcs.append(value)
                }
                value = 0
            }
        }
        return arcs
    }

    /// Dotted form: `1.2.840.10045.2.1`.
    public var description: String {
        var text = ""
        for (index, arc) in arcs.enumerated() {
            if index > 0 { text += "." }
            text += decimal(arc)
        }
        return text
    }

    private func decimal(_ value: UInt64) -> String {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        return String(decoding: digits.reversed(), as: UTF8.self)
    }
}

/// The identifiers X.509, PKCS and TLS certificates use.
extension ASN1ObjectIdentifier {
    // Name attributes
    public static let commonName = ASN1ObjectIdentifier(2, 5, 4, 3)
    public static let countryName = ASN1ObjectIdentifier(2, 5, 4, 6)
    public static let organizationName = ASN1ObjectIdentifier(2, 5, 4, 10)
    // Public keys and curves
    public static let ecPublicKey = ASN1ObjectIdentifier(1, 2, 840, 10045, 2, 1)
    public static let secp256r1 = ASN1ObjectIdentifier(1, 2, 840, 10045, 3, 1, 7)
    public static let secp384r1 = ASN1ObjectIdentifier(1, 3, 132, 0, 34)
    public static let rsaEncryption = ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 1, 1)
    // Signature algorithms
    public static let ecdsaWithSHA1 = ASN1ObjectIdentifier(1, 2, 840, 10045, 4, 1)
    public static let ecdsaWithSHA256 = ASN1ObjectIdentifier(1, 2, 840, 10045, 4, 3, 2)
    public static let ecdsaWithSHA384 = ASN1ObjectIdentifier(1, 2, 840, 10045, 4, 3, 3)
    public static let ecdsaWithSHA512 = ASN1ObjectIdentifier(1, 2, 840, 10045, 4, 3, 4)
    public static let sha1WithRSAEncryption = ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 1, 5)
    public static let sha256WithRSAEncryption = ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 1, 11)
    public static let sha384WithRSAEncryption = ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 1, 12)
    public static let sha512WithRSAEncryption = ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 1, 13)
    public static let rsassaPSS = ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 1, 10)
    public static let mgf1 = ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 1, 8)
    // Hashes
    public static let sha1 = ASN1ObjectIdentifier(1, 3, 14, 3, 2, 26)
    public static let sha256 = ASN1ObjectIdentifier(2, 16, 840, 1, 101, 3, 4, 2, 1)
    public static let sha384 = ASN1ObjectIdentifier(2, 16, 840, 1, 101, 3, 4, 2, 2)
    public static let sha512 = ASN1ObjectIdentifier(2, 16, 840, 1, 101, 3, 4, 2, 3)
    // Extensions
    public static let subjectKeyIdentifier = ASN1ObjectIdentifier(2, 5, 29, 14)
    public static let keyUsage = ASN1ObjectIdentifier(2, 5, 29, 15)
    public static let subjectAltName = ASN1ObjectIdentifier(2, 5, 29, 17)
    public static let basicConstraints = ASN1ObjectIdentifier(2, 5, 29, 19)
    public static let authorityKeyIdentifier = ASN1ObjectIdentifier(2, 5, 29, 35)
    public static let extendedKeyUsage = ASN1ObjectIdentifier(2, 5, 29, 37)
    // Extended key usages
    public static let anyExtendedKeyUsage = ASN1ObjectIdentifier(2, 5, 29, 37, 0)
    public static let serverAuth = ASN1ObjectIdentifier(1, 3, 6, 1, 5, 5, 7, 3, 1)
    public static let clientAuth = ASN1ObjectIdentifier(1, 3, 6, 1, 5, 5, 7, 3, 2)
    // PKCS#9
    public static let extensionRequest = ASN1ObjectIdentifier(1, 2, 840, 113549, 1, 9, 14)
}
