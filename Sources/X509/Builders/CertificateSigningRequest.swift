import SwiftletCrypto

/// A PKCS#10 certificate signing request (RFC 2986) for a P-256 key: subject `CN=commonName`
/// (an empty subject when the name is empty or over X.520's 64 characters; CAs take the SAN)
/// and the DNS names in a subjectAltName requested through the extensionRequest attribute
/// (RFC 2985 §5.4.2), which ACME CAs (Let's Encrypt, pebble) read the names from.
///
/// ```swift
/// let csr = try CertificateSigningRequest(commonName: "example.com", dnsNames: ["example.com", "www.example.com"],
///                                     privateKey: key)
/// send(csr.der)
/// ```
public struct CertificateSigningRequest: Sendable {
    /// The request in DER.
    public let der: [UInt8]

    /// Builds and signs (ECDSA with SHA-256) a request for `dnsNames`, which must be ASCII
    /// (IDNs in their `xn--` form).
    public init(commonName: String, dnsNames: [String], privateKey: P256.Signing.PrivateKey) throws(X509Error) {
        for name in dnsNames where name.isEmpty || !name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            throw .der(.invalidValue("dNSName not ASCII"))
        }
        let publicKey = SubjectPublicKeyInfo(p256: privateKey.publicKey.x963Representation)
        var info = DERBuilder()
        info.sequence { body in
            body.integer(0)
            let fits = !commonName.isEmpty && commonName.utf8.count <= 64
            body.raw(fits ? DistinguishedName(commonName: commonName).der : [0x30, 0x00])
            body.raw(publicKey.der)
            // attributes [0] IMPLICIT SET OF Attribute
            body.constructed(tag: DERTag.context(0, constructed: true)) { attributes in
                attributes.sequence { attribute in
                    attribute.objectIdentifier(.extensionRequest)
                    attribute.set { values in
                        values.sequence { extensions in ExtensionBuilder.subjectAltName(dnsNames, to: &extensions) }
                    }
                }
            }
        }
        der = Signer.signed(info.bytes, with: privateKey)
    }

    /// The request in PEM (`CERTIFICATE REQUEST`).
    public var pemEncoded: String { PEM.encode(der, label: "CERTIFICATE REQUEST") }
}

/// Wraps signed data as X.509 and PKCS#10 do: `SEQUENCE { data, algorithm, BIT STRING signature }`.
enum Signer {
    static func signed(_ data: [UInt8], with key: P256.Signing.PrivateKey) -> [UInt8] {
        let signature = key.signature(for: data).derRepresentation
        var builder = DERBuilder()
        builder.sequence { body in
            body.raw(data)
            SignatureAlgorithm.ecdsaWithSHA256.append(to: &body)
            body.bitString(signature)
        }
        return builder.bytes
    }
}
