import SwiftletCrypto
import SwiftletX509

/// The PKCS#10 certificate signing request (RFC 2986) that finalizes an order: the names in a
/// subjectAltName extension (what CAs read; pebble refuses a CSR without it), the first name
/// also as the subject's CN when it fits (64 characters), the P-256 key, signed with
/// ECDSA-SHA256. Built with SwiftletX509's DER builder.
///
/// (SwiftletX509 is to get a general CSR builder; this one is then replaced by it.)
/// ```swift
/// let csr = ACMECertificateRequest.der(names: ["example.org"], key: certificateKey)
/// ```
public enum ACMECertificateRequest {
    /// The DER of the request for `names` (at least one) with `key`.
    public static func der(names: [String], key: P256.Signing.PrivateKey) -> [UInt8] {
        var info = DERBuilder()
        info.sequence { request in
            request.integer(0)  // version 1
            request.sequence { subject in
                if let first = names.first, first.utf8.count <= 64 {
                    subject.set { set in
                        set.sequence { attribute in
                            attribute.objectIdentifier(.commonName)
                            attribute.utf8String(first)
                        }
                    }
                }
            }
            request.raw(SubjectPublicKeyInfo(p256: key.publicKey.x963Representation).der)
            // attributes [0] IMPLICIT SET OF Attribute: one extensionRequest with the SAN.
            request.constructed(tag: DERTag.context(0, constructed: true)) { attributes in
                attributes.sequence { attribute in
                    attribute.objectIdentifier(.extensionRequest)
                    attribute.set { values in
                        values.sequence { extensions in
                            extensions.sequence { item in
                                item.objectIdentifier(.subjectAltName)
                                item.octetString { value in
                                    value.sequence { generalNames in
                                        for name in names {
                                            generalNames.element(tag: DERTag.context(2, constructed: false), content: Array(name.utf8))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let signature = key.signature(for: info.bytes).derRepresentation
        var request = DERBuilder()
        request.sequence { outer in
            outer.raw(info.bytes)
            outer.sequence { algorithm in algorithm.objectIdentifier(.ecdsaWithSHA256) }
            outer.bitString(signature)
        }
        return request.bytes
    }
}
