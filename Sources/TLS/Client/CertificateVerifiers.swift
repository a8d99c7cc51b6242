import SwiftletCrypto
import SwiftletDevices
import SwiftletX509

extension TLSPeerPublicKey {
    /// The key of a certificate's SubjectPublicKeyInfo, if Swiftlet verifies with its kind.
    public init(_ info: SubjectPublicKeyInfo) throws(TLSError) {
        do throws(CryptoError) {
            switch info.key {
            case .p256(let point): self = .p256(try P256.Signing.PublicKey(x963Representation: point))
            case .p384(let point): self = .p384(try P384.Signing.PublicKey(x963Representation: point))
            case .rsa(let modulus, let exponent): self = .rsa(try RSA.Signing.PublicKey(modulus: modulus, exponent: exponent))
            case .unsupported: throw CryptoError.invalidKey
            }
        } catch {
            throw .badCertificate("a public key Swiftlet cannot verify with")
        }
    }
}

extension TLSClientConfiguration {
    /// A verifier that trusts exactly `certificates` (DER) as end-entity certificates, when they
    /// are valid at `now()` and name the server: certificate pinning, for peers whose
    /// certificate is known in advance (tests, a fixed backend).
    public static func pinning(_ certificates: [[UInt8]], now: @escaping () -> WallClockTime) -> TLSCertificateVerifier {
        { chain, serverName in
            guard let leafDER = chain.first else { return .failure(.badCertificate("no certificate")) }
            let leaf: Certificate
            do throws(DERError) { leaf = try Certificate(derEncoded: leafDER) } catch {
                return .failure(.badCertificate("the certificate does not parse"))
            }
            guard certificates.contains(leafDER) else { return .failure(.unknownCA) }
            let time = now()
            guard leaf.notBefore <= time, time <= leaf.notAfter else { return .failure(.certificateExpired) }
            guard HostnameMatching.matches(serverName, leaf.extensions.subjectAlternativeNames ?? []) else {
                return .failure(.certificateUnknown("not valid for \(serverName)"))
            }
            do throws(TLSError) { return .success(try TLSPeerPublicKey(leaf.publicKey)) } catch { return .failure(error) }
        }
    }
}
