import SwiftletCrypto
import SwiftletX509

/// What a TLS server needs: its certificate chain and key, and what it negotiates.
///
/// ```swift
/// let configuration = TLSServerConfiguration(
///     certificateChain: [leafDER], privateKey: key, random: TLSRandom { random.fill(&$0) })
/// var connection = TLSServerConnection(configuration: configuration)
/// ```
public struct TLSServerConfiguration {
    /// The certificate chain, end-entity certificate first, in DER.
    public var certificateChain: [[UInt8]]
    /// The end-entity certificate's key: Swiftlet servers sign with ecdsa_secp256r1_sha256.
    public var privateKey: P256.Signing.PrivateKey
    /// Application protocols in order of preference (ALPN); a client that offers ALPN but none
    /// of these gets `no_application_protocol`. Empty: ALPN is ignored.
    public var applicationProtocols: [String] = ["http/1.1"]
    /// Cipher suites in order of preference.
    public var cipherSuites: [CipherSuite] = CipherSuite.supported
    /// Key-exchange groups in order of preference; a client with no share for any of them but
    /// support for one gets a HelloRetryRequest.
    public var groups: [NamedGroup] = NamedGroup.supported
    /// The record_size_limit this side announces (RFC 8449) to clients that send the extension:
    /// the largest TLSInnerPlaintext it accepts, 64 to 16385.
    public var recordSizeLimit = 16385
    /// The largest handshake message accepted (a ClientHello is rarely over 2 KiB).
    public var maximumHandshakeMessageSize = 16 * 1024
    /// Where the server's random values and ephemeral keys come from.
    public var random: TLSRandom

    public init(certificateChain: [[UInt8]], privateKey: P256.Signing.PrivateKey, random: TLSRandom) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.random = random
    }
}


extension TLSServerConfiguration {
    /// A configuration from PEM text: the certificate chain (end-entity first) and its P-256
    /// key (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`). Checks that the key is the
    /// certificate's.
    public init(certificateChainPEM: String, privateKeyPEM: String, random: TLSRandom) throws(TLSError) {
        let chain: [Certificate]
        do { chain = try Certificate.chain(pemEncoded: certificateChainPEM) } catch {
            throw .internalError("the certificate PEM does not parse: \(error)")
        }
        guard let leaf = chain.first else { throw .internalError("no certificate in the PEM") }
        let document: ECPrivateKeyDocument
        do { document = try ECPrivateKeyDocument(pemEncoded: privateKeyPEM) } catch {
            throw .internalError("the key PEM does not parse: \(error)")
        }
        let key: P256.Signing.PrivateKey
        do throws(CryptoError) { key = try P256.Signing.PrivateKey(rawRepresentation: document.scalar) } catch {
            throw .internalError("the key is not a P-256 key")
        }
        guard case .p256(let point) = leaf.publicKey.key, point == key.publicKey.x963Representation else {
            throw .internalError("the key does not belong to the certificate (Swiftlet serves P-256 certificates)")
        }
        self.init(certificateChain: chain.map { $0.der }, privateKey: key, random: random)
    }
}
