import SwiftletCrypto

/// The public key of a server's end-entity certificate, which checks its CertificateVerify.
public enum TLSPeerPublicKey {
    case p256(P256.Signing.PublicKey)
    case p384(P384.Signing.PublicKey)
    case rsa(RSA.Signing.PublicKey)
}

/// Checks a server's certificate chain (DER, end-entity first) for a server name and returns
/// the end-entity key; or fails with the error whose alert the client sends (`bad_certificate`,
/// `unknown_ca`, `certificate_expired`, `certificate_unknown`).
/// ``TLSClientConfiguration/init(serverName:trustAnchors:now:random:)`` builds one on
/// SwiftletX509.
public typealias TLSCertificateVerifier = (_ chain: [[UInt8]], _ serverName: String) -> Result<TLSPeerPublicKey, TLSError>

/// What a TLS client needs: the name it connects to and how it checks certificates.
public struct TLSClientConfiguration {
    /// The server's DNS name: sent as server_name, and what the certificate must be valid for.
    public var serverName: String
    /// ALPN protocols to offer; empty: no ALPN.
    public var applicationProtocols: [String] = ["http/1.1"]
    public var cipherSuites: [CipherSuite] = CipherSuite.supported
    /// Groups to support, in order of preference; the first gets a key share in the
    /// ClientHello, the others cost a HelloRetryRequest.
    public var groups: [NamedGroup] = NamedGroup.supported
    /// The largest handshake message accepted (certificate chains).
    public var maximumHandshakeMessageSize = 64 * 1024
    public var verifier: TLSCertificateVerifier
    public var random: TLSRandom

    public init(serverName: String, verifier: @escaping TLSCertificateVerifier, random: TLSRandom) {
        self.serverName = serverName
        self.verifier = verifier
        self.random = random
    }
}

extension TLSPeerPublicKey {
    /// Whether `signature` under `scheme` signs `content` (§4.4.3: TLS 1.3 allows ECDSA with
    /// the curve's own hash and RSA-PSS only).
    func verifies(_ signature: [UInt8], scheme: SignatureScheme, content: [UInt8]) -> Bool {
        switch (self, scheme) {
        case (.p256(let key), .ecdsaSecp256r1SHA256):
            guard let parsed = try? ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: content)
        case (.p384(let key), .ecdsaSecp384r1SHA384):
            guard let parsed = try? ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: content)
        case (.rsa(let key), .rsaPSSRSAESHA256):
            return key.isValidSignature(signature, for: content, hash: SHA256.self, padding: .pss)
        case (.rsa(let key), .rsaPSSRSAESHA384):
            return key.isValidSignature(signature, for: content, hash: SHA384.self, padding: .pss)
        case (.rsa(let key), .rsaPSSRSAESHA512):
            return key.isValidSignature(signature, for: content, hash: SHA512.self, padding: .pss)
        default:
            return false
        }
    }
}
