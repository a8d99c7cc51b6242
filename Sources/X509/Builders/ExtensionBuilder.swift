/// Encodes the extensions Swiftlet writes into certificates and CSRs.
enum ExtensionBuilder {
    /// `Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }`.
    static func append(_ identifier: ASN1ObjectIdentifier, critical: Bool = false, to builder: inout DERBuilder,
                       _ value: (inout DERBuilder) -> Void) {
        builder.sequence { item in
            item.objectIdentifier(identifier)
            if critical { item.boolean(true) }
            item.octetString(value)
        }
    }

    /// subjectAltName with dNSName entries (`[2] IMPLICIT IA5String`), and iPAddress entries
    /// (`[7]`, 4 or 16 octets) for the names that are IPv4 or IPv6 addresses.
    static func subjectAltName(_ names: [String], to builder: inout DERBuilder) {
        append(.subjectAltName, to: &builder) { value in
            value.sequence { entries in
                for name in names {
                    if let address = HostnameMatching.ipAddress(Array(name.utf8)) {
                        entries.element(tag: DERTag.context(7, constructed: false), content: address)
                    } else {
                        entries.element(tag: DERTag.context(2, constructed: false), content: Array(name.utf8))
                    }
                }
            }
        }
    }
}
