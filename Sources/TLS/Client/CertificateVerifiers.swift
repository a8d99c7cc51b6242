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

extension TLSClientConfiguration {
    /// A client for `serverName` that checks the server's chain with SwiftletX509 against
    /// `trustAnchors` (root certificates) at the time `now()` gives: validity, the name,
    /// basicConstraints, key usages, signatures (ECDSA P-256/P-384, RSA PKCS#1 and PSS).
    public init(serverName: String, trustAnchors: [Certificate], now: @escaping () -> WallClockTime, random: TLSRandom) {
        self.init(serverName: serverName, verifier: TLSClientConfiguration.verifying(trustAnchors: trustAnchors, now: now),
                  random: random)
    }

    /// The verifier of ``init(serverName:trustAnchors:now:random:)``.
    public static func verifying(trustAnchors: [Certificate], now: @escaping () -> WallClockTime) -> TLSCertificateVerifier {
        let verifier = CertificateVerifier(trustAnchors: trustAnchors)
        return { chain, serverName in
            var certificates: [Certificate] = []
            for der in chain {
                do throws(DERError) { certificates.append(try Certificate(derEncoded: der)) } catch {
                    return .failure(.badCertificate("a certificate does not parse"))
                }
            }
            guard let leaf = certificates.first else { return .failure(.badCertificate("no certificate")) }
            do throws(CertificateError) {
                _ = try verifier.verify(leaf: leaf, intermediates: Array(certificates.dropFirst()), hostname: serverName, now: now())
            } catch {
                return .failure(TLSError(error, serverName: serverName))
            }
            do throws(TLSError) { return .success(try TLSPeerPublicKey(leaf.publicKey)) } catch { return .failure(error) }
        }
    }
}

extension TLSError {
    /// The error (and so the alert) for a chain SwiftletX509 refused.
    init(_ error: CertificateError, serverName: String) {
        switch error {
        case .expired, .notYetValid: self = .certificateExpired
        case .nameMismatch: self = .certificateUnknown("not valid for \(serverName)")
        case .unknownIssuer: self = .unknownCA
        case .badSignature: self = .badCertificate("a signature does not verify")
        case .notACA: self = .badCertificate("an issuer is not a CA")
        case .pathLengthExceeded: self = .badCertificate("the chain is longer than a CA allows")
        case .usageNotAllowed: self = .certificateUnknown("not for TLS servers")
        case .unhandledCriticalExtension: self = .badCertificate("an unknown critical extension")
        case .unsupportedAlgorithm: self = .badCertificate("an algorithm Swiftlet does not verify")
        }
    }
}
