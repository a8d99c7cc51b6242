import SwiftletCrypto
import SwiftletDevices
import SwiftletX509

extension TLSServerConfiguration {
    /// A configuration with a fresh P-256 key and a self-signed certificate for `hostname` (a
    /// DNS name, or a dotted IPv4 address), valid from an hour before `now` for `days` days:
    /// for development and for a first start before a CA-issued certificate exists. Browsers and
    /// clients warn about it unless told to trust it.
    public static func selfSigned(hostname: String, now: WallClockTime, days: Int = 90, random: TLSRandom) -> TLSServerConfiguration {
        var generator = random
        let key = P256.Signing.PrivateKey(using: &generator)
        let certificate = selfSignedCertificate(hostname: hostname, key: key, now: now, days: days, random: random)
        return TLSServerConfiguration(certificateChain: [certificate], privateKey: key, random: random)
    }

    /// The DER of a self-signed X.509 v3 certificate for `hostname` and `key` (RFC 5280):
    /// subjectAltName, basicConstraints cA false, keyUsage digitalSignature, extKeyUsage serverAuth.
    public static func selfSignedCertificate(hostname: String, key: P256.Signing.PrivateKey, now: WallClockTime, days: Int,
                                             random: TLSRandom) -> [UInt8] {
        let name = DistinguishedName(commonName: hostname)
        var serial = random.bytes(16)
        serial[0] = (serial[0] & 0x7F) | 0x01   // positive, 16 octets
        var tbs = DERBuilder()
        tbs.sequence { body in
            body.explicit(0) { $0.integer(2) }
            body.unsignedInteger(serial)
            body.sequence { $0.objectIdentifier(.ecdsaWithSHA256) }
            body.raw(name.der)
            body.sequence { validity in
                validity.time(WallClockTime(secondsSinceEpoch: now.secondsSinceEpoch - 3600))
                validity.time(WallClockTime(secondsSinceEpoch: now.secondsSinceEpoch + Int64(days) * 86_400))
            }
            body.raw(name.der)
            body.raw(SubjectPublicKeyInfo(p256: key.publicKey.x963Representation).der)
            body.explicit(3) { extensions in
                extensions.sequence { list in
                    list.sequence { item in
                        item.objectIdentifier(.subjectAltName)
                        item.octetString { value in
                            value.sequence { names in
                                if let address = ipv4Octets(hostname) {
                                    names.element(tag: 0x87, content: address)   // [7] iPAddress
                                } else {
                                    names.element(tag: 0x82, content: Array(hostname.utf8))   // [2] dNSName
                                }
                            }
                        }
                    }
                    list.sequence { item in
                        item.objectIdentifier(.basicConstraints)
                        item.boolean(true)
                        item.octetString { $0.sequence { _ in } }
                    }
                    list.sequence { item in
                        item.objectIdentifier(.keyUsage)
                        item.boolean(true)
                        item.octetString { $0.namedBits(1) }   // digitalSignature
                    }
                    list.sequence { item in
                        item.objectIdentifier(.extendedKeyUsage)
                        item.octetString { $0.sequence { $0.objectIdentifier(.serverAuth) } }
                    }
                }
            }
        }
        let signature = key.signature(for: tbs.bytes).derRepresentation
        var certificate = DERBuilder()
        certificate.sequence { body in
            body.raw(tbs.bytes)
            body.sequence { $0.objectIdentifier(.ecdsaWithSHA256) }
            body.bitString(signature)
        }
        return certificate.bytes
    }

    private static func ipv4Octets(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard let value = UInt8(part) else { return nil }
            octets.append(value)
        }
        return octets
    }
}
