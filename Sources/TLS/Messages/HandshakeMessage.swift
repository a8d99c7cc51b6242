/// One handshake message, parsed. The raw bytes (header included) go to the transcript.
public enum HandshakeMessage: Equatable, Sendable {
    case clientHello(ClientHello)
    case serverHello(ServerHello)
    case newSessionTicket(NewSessionTicket)
    case encryptedExtensions(EncryptedExtensions)
    case certificate(CertificateMessage)
    case certificateRequest(CertificateRequest)
    case certificateVerify(CertificateVerify)
    /// The verify data; its length is checked against the suite's hash by the state machine.
    case finished([UInt8])
    case keyUpdate(KeyUpdate)

    /// Parses a message body of type `type`.
    public static func parse(type: HandshakeType, body: [UInt8]) throws(TLSError) -> HandshakeMessage {
        switch type {
        case .clientHello: return .clientHello(try ClientHello.parse(body))
        case .serverHello: return .serverHello(try ServerHello.parse(body))
        case .newSessionTicket: return .newSessionTicket(try NewSessionTicket.parse(body))
        case .encryptedExtensions: return .encryptedExtensions(try EncryptedExtensions.parse(body))
        case .certificate: return .certificate(try CertificateMessage.parse(body))
        case .certificateRequest: return .certificateRequest(try CertificateRequest.parse(body))
        case .certificateVerify: return .certificateVerify(try CertificateVerify.parse(body))
        case .finished: return .finished(body)
        case .keyUpdate: return .keyUpdate(try KeyUpdate.parse(body))
        default: throw .unexpectedMessage("handshake message type \(type.rawValue)")
        }
    }

    /// Frames a body as a handshake message: type, 24-bit length, body.
    public static func frame(_ type: HandshakeType, _ body: [UInt8]) -> [UInt8] {
        var writer = WireWriter()
        writer.writeUInt8(type.rawValue)
        writer.writeUInt24(body.count)
        writer.writeBytes(body)
        return writer.bytes
    }

    public var type: HandshakeType {
        switch self {
        case .clientHello: .clientHello
        case .serverHello: .serverHello
        case .newSessionTicket: .newSessionTicket
        case .encryptedExtensions: .encryptedExtensions
        case .certificate: .certificate
        case .certificateRequest: .certificateRequest
        case .certificateVerify: .certificateVerify
        case .finished: .finished
        case .keyUpdate: .keyUpdate
        }
    }
}

/// Reassembles handshake messages from the contents of handshake records, which may split a
/// message or hold several (§5.1). Holds at most one message of ``maximumMessageSize``.
public struct HandshakeDeframer: Sendable {
    /// The largest message accepted: certificate chains of real CAs fit easily.
    public var maximumMessageSize: Int
    private var buffer: [UInt8] = []

    public init(maximumMessageSize: Int = 64 * 1024) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// Whether part of a message is waiting for the rest: keys must not change then (§5.1).
    public var isEmpty: Bool { buffer.isEmpty }

    public mutating func append(_ bytes: [UInt8]) throws(TLSError) {
        buffer += bytes
        if buffer.count >= 4 {
            let length = Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
            guard length <= maximumMessageSize else { throw .unexpectedMessage("handshake message of \(length) bytes") }
        }
    }

    /// The next whole message: its type, body and raw bytes; `nil` if none is complete.
    public mutating func next() throws(TLSError) -> (type: HandshakeType, body: [UInt8], raw: [UInt8])? {
        guard buffer.count >= 4 else { return nil }
        let length = Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
        guard length <= maximumMessageSize else { throw .unexpectedMessage("handshake message of \(length) bytes") }
        guard buffer.count >= 4 + length else { return nil }
        let raw = Array(buffer[0..<4 + length])
        buffer.removeFirst(4 + length)
        if buffer.count >= 4 {
            let next = Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
            guard next <= maximumMessageSize else { throw .unexpectedMessage("handshake message of \(next) bytes") }
        }
        return (HandshakeType(rawValue: raw[0]), Array(raw[4...]), raw)
    }
}
