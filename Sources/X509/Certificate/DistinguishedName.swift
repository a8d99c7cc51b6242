/// An X.509 Name: a sequence of relative distinguished names, each a set of attributes.
///
/// Two names are compared (`==`) by a normalized encoding, the simple form of RFC 5280 §7.1:
/// string values become UTF8String, ASCII letters lower case, runs of white space one space,
/// leading and trailing white space dropped. The original encoding is kept in `der`.
public struct DistinguishedName: Equatable, Sendable {
    /// One attribute: its type and its string value.
    public struct Attribute: Equatable, Sendable {
        public var type: ASN1ObjectIdentifier
        public var value: String
    }

    /// The Name as encoded (the whole SEQUENCE).
    public let der: [UInt8]
    /// The relative distinguished names in order, each a set of attributes (almost always one).
    public let relativeNames: [[Attribute]]
    /// The encoding compared by `==`.
    let normalized: [UInt8]

    /// Parses a Name from its DER (the whole SEQUENCE).
    public init(derEncoded bytes: [UInt8]) throws(DERError) {
        var reader = DERReader(bytes)
        let element = try reader.readElement(tag: DERTag.sequence)
        try reader.finish()
        try self.init(element: element, depth: 0)
    }

    /// Parses a Name (the whole SEQUENCE element).
    init(element: DERElement, depth: Int) throws(DERError) {
        var names: [[Attribute]] = []
        var normalizedBody = DERBuilder()
        var outer = DERReader(element.encoded, depth: depth)
        var reader = try outer.readSequence()
        while !reader.isAtEnd {
            var set = try reader.readSet()
            var attributes: [Attribute] = []
            var normalizedSet = DERBuilder()
            while !set.isAtEnd {
                var pair = try set.readSequence()
                let type = try pair.readObjectIdentifier()
                let value = try pair.readElement()
                try pair.finish()
                let text = try DistinguishedName.text(of: value)
                attributes.append(Attribute(type: type, value: text))
                normalizedSet.sequence { normal in
                    normal.objectIdentifier(type)
                    if DistinguishedName.isFoldable(value.tag) {
                        normal.utf8String(DistinguishedName.fold(text))
                    } else {
                        normal.raw(value.encoded)  // legacy string types: compared byte for byte
                    }
                }
            }
            guard !attributes.isEmpty else { throw .invalidValue("empty RDN") }
            names.append(attributes)
            normalizedBody.element(tag: DERTag.set, content: normalizedSet.bytes)
        }
        der = Array(element.encoded)
        relativeNames = names
        var normal = DERBuilder()
        normal.element(tag: DERTag.sequence, content: normalizedBody.bytes)
        normalized = normal.bytes
    }

    private init(der: [UInt8], relativeNames: [[Attribute]]) {
        self.der = der
        self.relativeNames = relativeNames
        var builder = DERBuilder()
        builder.sequence { body in
            for rdn in relativeNames {
                body.set { set in
                    for attribute in rdn {
                        set.sequence { pair in
                            pair.objectIdentifier(attribute.type)
                            pair.utf8String(DistinguishedName.fold(attribute.value))
                        }
                    }
                }
            }
        }
        normalized = builder.bytes
    }

    private static func isFoldable(_ tag: UInt8) -> Bool {
        tag == DERTag.utf8String || tag == DERTag.printableString || tag == DERTag.ia5String
    }

    /// A name of `attributes`, one per RDN, encoded as UTF8String (PrintableString for
    /// countryName, as RFC 5280 requires).
    public init(_ attributes: [Attribute]) {
        var builder = DERBuilder()
        builder.sequence { body in
            for attribute in attributes {
                body.set { set in
                    set.sequence { pair in
                        pair.objectIdentifier(attribute.type)
                        if attribute.type == .countryName {
                            pair.element(tag: DERTag.printableString, content: Array(attribute.value.utf8))
                        } else {
                            pair.utf8String(attribute.value)
                        }
                    }
                }
            }
        }
        self.init(der: builder.bytes, relativeNames: attributes.map { [$0] })
    }

    /// `CN=commonName`.
    public init(commonName: String) {
        self.init([Attribute(type: .commonName, value: commonName)])
    }

    /// The first common name, if any.
    public var commonName: String? {
        for rdn in relativeNames { for attribute in rdn where attribute.type == .commonName { return attribute.value } }
        return nil
    }

    public static func == (lhs: DistinguishedName, rhs: DistinguishedName) -> Bool {
        lhs.normalized == rhs.normalized
    }

    /// The value of an attribute: the string types names use. TeletexString, BMPString and
    /// UniversalString (legacy) are shown with their non-ASCII octets as `?`.
    private static func text(of value: DERElement) throws(DERError) -> String {
        switch value.tag {
        case DERTag.utf8String, DERTag.printableString, DERTag.ia5String:
            return try DERString.decode(tag: value.tag, content: value.content)
        case DERTag.teletexString, DERTag.bmpString, DERTag.universalString:
            return String(decoding: value.content.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        default:
            throw .invalidValue("name attribute value")
        }
    }

    /// RFC 5280 §7.1 simplified: ASCII case folded, white space runs collapsed and trimmed.
    static func fold(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(0x20) }
            pendingSpace = false
            out.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
