import SwiftletCrypto
import SwiftletDevices

extension Certificate {
    /// A self-signed X.509 v3 certificate for a TLS server: subject and issuer `CN=hostname`,
    /// subjectAltName `hostname` plus `alternativeNames` (IP addresses become iPAddress entries), serverAuth, valid from `notBefore` for
    /// `days` days, signed with ECDSA P-256 / SHA-256.
    ///
    /// The serial number, unless given, is derived from the key and the start time (SHA-256,
    /// 16 bytes, positive), so two certificates for one key made at different times differ.
    ///
    /// ```swift
    /// let key = P256.Signing.PrivateKey(using: &random)
    /// let certificate = try Certificate.selfSigned(hostname: "localhost", privateKey: key, notBefore: clock.now())
    /// ```
    public static func selfSigned(hostname: String, alternativeNames: [String] = [], privateKey: P256.Signing.PrivateKey,
                                  notBefore: WallClockTime, days: Int = 90,
                                  serialNumber: [UInt8]? = nil) throws(X509Error) -> Certificate {
        let publicKey = SubjectPublicKeyInfo(p256: privateKey.publicKey.x963Representation)
        let name = DistinguishedName(commonName: hostname)
        let notAfter = WallClockTime(secondsSinceEpoch: notBefore.secondsSinceEpoch + Int64(max(1, days)) * 86_400)
        var serial = serialNumber ?? Array(SHA256.hash(data: publicKey.der + DERTime.encode(notBefore).content).prefix(16))
        if serial.first.map({ $0 & 0x80 != 0 }) ?? false { serial[0] &= 0x7F }
        // RFC 7093 §2 method 1: the key identifier is SHA-256 of the key bits, cut to 160 bits.
        let keyIdentifier = Array(SHA256.hash(data: publicKey.keyBits).prefix(20))
        var tbs = DERBuilder()
        tbs.sequence { body in
            body.explicit(0) { $0.integer(2) }  // v3
            body.unsignedInteger(serial)
            SignatureAlgorithm.ecdsaWithSHA256.append(to: &body)
            body.raw(name.der)
            body.sequence { validity in
                validity.time(notBefore)
                validity.time(notAfter)
            }
            body.raw(name.der)
            body.raw(publicKey.der)
            body.explicit(3) { outer in
                outer.sequence { extensions in
                    ExtensionBuilder.append(.basicConstraints, critical: true, to: &extensions) { $0.sequence { _ in } }
                    ExtensionBuilder.append(.keyUsage, critical: true, to: &extensions) {
                        $0.namedBits(KeyUsage.digitalSignature.rawValue)
                    }
                    ExtensionBuilder.append(.extendedKeyUsage, to: &extensions) {
                        $0.sequence { $0.objectIdentifier(.serverAuth) }
                    }
                    ExtensionBuilder.subjectAltName([hostname] + alternativeNames.filter { $0 != hostname }, to: &extensions)
                    ExtensionBuilder.append(.subjectKeyIdentifier, to: &extensions) { $0.octetString(keyIdentifier) }
                }
            }
        }
        // Parsing what we built checks the names (dNSName is IA5String: ASCII only).
        do { return try Certificate(derEncoded: Signer.signed(tbs.bytes, with: privateKey)) } catch { throw .der(error) }
    }
}
