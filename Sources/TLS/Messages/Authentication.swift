/// Certificate (§4.4.2): the sender's chain, end-entity certificate first, each in DER.
public struct CertificateMessage: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var certificate: [UInt8]
        public var extensions: Extensions

        public init(certificate: [UInt8], extensions: Extensions = Extensions()) {
            self.certificate = certificate
            self.extensions = extensions
        }
    }

    public var requestContext: [UInt8]
    public var entries: [Entry]

    public init(requestContext: [UInt8] = [], entries: [Entry]) {
        self.requestContext = requestContext
        self.entries = entries
    }

    public static func parse(_ body: [UInt8]) throws(TLSError) -> CertificateMessage {
        var reader = WireReader(body)
        let context = try reader.readOpaque(lengthBytes: 1, 0...255)
        var list = try reader.readVector(lengthBytes: 3, 0...0xFFFFFF)
        var entries: [Entry] = []
        while !list.isAtEnd {
            let certificate = try list.readOpaque(lengthBytes: 3, 1...0xFFFFFF)
            let extensions = try Extensions.parse(&list)
            entries.append(Entry(certificate: certificate, extensions: extensions))
        }
        try reader.expectEnd()
        return CertificateMessage(requestContext: context, entries: entries)
    }

    public var encoded: [UInt8] {
        var writer = WireWriter()
        writer.writeOpaque(lengthBytes: 1, requestContext)
        writer.writeVector(lengthBytes: 3) { writer in
            for entry in entries {
                writer.writeOpaque(lengthBytes: 3, entry.certificate)
                entry.extensions.encode(into: &writer)
            }
        }
        return writer.bytes
    }
}

/// CertificateRequest (§4.3.2): the server asks for a client certificate.
public struct CertificateRequest: Equatable, Sendable {
    public var requestContext: [UInt8]
    public var extensions: Extensions

    public static func parse(_ body: [UInt8]) throws(TLSError) -> CertificateRequest {
        var reader = WireReader(body)
        let context = try reader.readOpaque(lengthBytes: 1, 0...255)
        let extensions = try Extensions.parse(&reader)
        try reader.expectEnd()
        return CertificateRequest(requestContext: context, extensions: extensions)
    }
}

/// CertificateVerify (§4.4.3): a signature over the transcript with the certificate's key.
public struct CertificateVerify: Equatable, Sendable {
    public var algorithm: SignatureScheme
    public var signature: [UInt8]

    public init(algorithm: SignatureScheme, signature: [UInt8]) {
        self.algorithm = algorithm
        self.signature = signature
    }

    public static func parse(_ body: [UInt8]) throws(TLSError) -> CertificateVerify {
        var reader = WireReader(body)
        let algorithm = SignatureScheme(rawValue: try reader.readUInt16())
        let signature = try reader.readOpaque(lengthBytes: 2, 0...0xFFFF)
        try reader.expectEnd()
        return CertificateVerify(algorithm: algorithm, signature: signature)
    }

    public var encoded: [UInt8] {
        var writer = WireWriter()
        writer.writeUInt16(algorithm.rawValue)
        writer.writeOpaque(lengthBytes: 2, signature)
        return writer.bytes
    }

    /// What is signed (§4.4.3): 64 spaces, the context string, a zero byte, the transcript hash.
    public static func signedContent(transcriptHash: [UInt8], isServer: Bool) -> [UInt8] {
        var content = [UInt8](repeating: 0x20, count: 64)
        content += Array((isServer ? "TLS 1.3, server CertificateVerify" : "TLS 1.3, client CertificateVerify").utf8)
        content.append(0)
        content += transcriptHash
        return content
    }
}

/// NewSessionTicket (§4.6.1). Swiftlet does not resume sessions: a client checks the message
/// is well formed and drops it.
public struct NewSessionTicket: Equatable, Sendable {
    public var lifetime: UInt32
    public var ageAdd: UInt32
    public var nonce: [UInt8]
    public var ticket: [UInt8]
    public var extensions: Extensions

    public static func parse(_ body: [UInt8]) throws(TLSError) -> NewSessionTicket {
        var reader = WireReader(body)
        let lifetime = try reader.readUInt32()
        let ageAdd = try reader.readUInt32()
        let nonce = try reader.readOpaque(lengthBytes: 1, 0...255)
        let ticket = try reader.readOpaque(lengthBytes: 2, 1...0xFFFF)
        let extensions = try Extensions.parse(&reader)
        try reader.expectEnd()
        return NewSessionTicket(lifetime: lifetime, ageAdd: ageAdd, nonce: nonce, ticket: ticket, extensions: extensions)
    }
}

/// KeyUpdate (§4.6.3).
public struct KeyUpdate: Equatable, Sendable {
    public var updateRequested: Bool

    public init(updateRequested: Bool) { self.updateRequested = updateRequested }

    public static func parse(_ body: [UInt8]) throws(TLSError) -> KeyUpdate {
        guard body.count == 1 else { throw .decodeError("KeyUpdate is one byte") }
        switch body[0] {
        case 0: return KeyUpdate(updateRequested: false)
        case 1: return KeyUpdate(updateRequested: true)
        default: throw .illegalParameter("KeyUpdate request \(body[0])")
        }
    }

    public var encoded: [UInt8] { [updateRequested ? 1 : 0] }
}
