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

    /// subjectAltName with dNSName entries (`[2] IMPLICIT IA5String`).
    static func subjectAltName(_ dnsNames: [String], to builder: inout DERBuilder) {
        append(.subjectAltName, to: &builder) { value in
            value.sequence { names in
                for name in dnsNames { names.element(tag: DERTag.context(2, constructed: false), content: Array(name.utf8)) }
            }
        }
    }
}
