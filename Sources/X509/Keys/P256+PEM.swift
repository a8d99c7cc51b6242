import SwiftletCrypto

extension P256.Signing.PrivateKey {
    /// The key in a PEM file: `PRIVATE KEY` (PKCS#8, what `openssl genpkey` writes) or
    /// `EC PRIVATE KEY` (SEC1); other blocks in the text (certificates) are skipped.
    ///
    /// ```swift
    /// let key = try P256.Signing.PrivateKey(pemRepresentation: try read("server.key"))
    /// ```
    public init(pemRepresentation text: String) throws(X509Error) {
        try self.init(document: ECPrivateKeyDocument(pemEncoded: text))
    }

    /// The key from PKCS#8 DER.
    public init(pkcs8DERRepresentation bytes: [UInt8]) throws(X509Error) {
        let document: ECPrivateKeyDocument
        do { document = try ECPrivateKeyDocument(pkcs8DER: bytes) } catch { throw .der(error) }
        try self.init(document: document)
    }

    private init(document: ECPrivateKeyDocument) throws(X509Error) {
        do { try self.init(rawRepresentation: document.scalar) } catch { throw .der(.invalidValue("P-256 scalar out of range")) }
        // A file whose public point is not this scalar's is corrupt (or spliced).
        if let point = document.publicKey, point != publicKey.x963Representation {
            throw .der(.invalidValue("public point does not match the private key"))
        }
    }

    /// The key as PKCS#8 DER, with its public point.
    public var pkcs8DERRepresentation: [UInt8] {
        ECPrivateKeyDocument(scalar: rawRepresentation, publicKey: publicKey.x963Representation).pkcs8DER
    }

    /// The key as PKCS#8 PEM (`PRIVATE KEY`).
    public var pemRepresentation: String { PEM.encode(pkcs8DERRepresentation, label: "PRIVATE KEY") }
}
