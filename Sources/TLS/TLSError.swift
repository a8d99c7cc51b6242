/// Why a TLS connection failed. Every failure maps, in ``alert``, to the one alert this side
/// sends before closing (RFC 8446 §6.2); that mapping lives here and nowhere else.
public enum TLSError: Error, Equatable, Sendable {
    /// A message or record did not parse (`decode_error`).
    case decodeError(String)
    /// A field had a value the protocol forbids (`illegal_parameter`).
    case illegalParameter(String)
    /// A message or record came at a time the protocol does not allow it (`unexpected_message`).
    case unexpectedMessage(String)
    /// A record failed authentication (`bad_record_mac`).
    case badRecordMAC
    /// A record was longer than the protocol or the negotiated limit allows (`record_overflow`).
    case recordOverflow
    /// No acceptable set of parameters (`handshake_failure`).
    case handshakeFailure(String)
    /// The peer does not speak TLS 1.3 (`protocol_version`).
    case protocolVersion
    /// A required extension is missing (`missing_extension`).
    case missingExtension(String)
    /// An extension appeared where it must not (`unsupported_extension`).
    case unsupportedExtension
    /// The peer offered no application protocol this side speaks (`no_application_protocol`).
    case noApplicationProtocol
    /// A Finished or CertificateVerify did not verify (`decrypt_error`).
    case decryptError(String)
    /// The certificate was malformed or its signature did not verify (`bad_certificate`).
    case badCertificate(String)
    /// The certificate chain does not lead to a trust anchor (`unknown_ca`).
    case unknownCA
    /// A certificate was outside its validity period (`certificate_expired`).
    case certificateExpired
    /// The certificate is not acceptable for another reason, such as a name that does not
    /// match the server's (`certificate_unknown`).
    case certificateUnknown(String)
    /// This side failed (`internal_error`); the text says what.
    case internalError(String)
    /// The peer sent a fatal alert; nothing more is sent.
    case alertReceived(AlertDescription)
    /// The connection is closed (close_notify exchanged, or closed by this side).
    case closed
}

extension TLSError {
    /// The alert this side sends for the error, or `nil` when none is sent.
    public var alert: AlertDescription? {
        switch self {
        case .decodeError: .decodeError
        case .illegalParameter: .illegalParameter
        case .unexpectedMessage: .unexpectedMessage
        case .badRecordMAC: .badRecordMAC
        case .recordOverflow: .recordOverflow
        case .handshakeFailure: .handshakeFailure
        case .protocolVersion: .protocolVersion
        case .missingExtension: .missingExtension
        case .unsupportedExtension: .unsupportedExtension
        case .noApplicationProtocol: .noApplicationProtocol
        case .decryptError: .decryptError
        case .badCertificate: .badCertificate
        case .unknownCA: .unknownCA
        case .certificateExpired: .certificateExpired
        case .certificateUnknown: .certificateUnknown
        case .internalError: .internalError
        case .alertReceived, .closed: nil
        }
    }
}

extension TLSError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .decodeError(let why): "decode error: \(why)"
        case .illegalParameter(let why): "illegal parameter: \(why)"
        case .unexpectedMessage(let why): "unexpected message: \(why)"
        case .badRecordMAC: "bad record MAC"
        case .recordOverflow: "record overflow"
        case .handshakeFailure(let why): "handshake failure: \(why)"
        case .protocolVersion: "the peer does not offer TLS 1.3"
        case .missingExtension(let name): "missing extension \(name)"
        case .unsupportedExtension: "unsupported extension"
        case .noApplicationProtocol: "no common application protocol"
        case .decryptError(let why): "decrypt error: \(why)"
        case .badCertificate(let why): "bad certificate: \(why)"
        case .unknownCA: "the certificate chain does not lead to a trusted CA"
        case .certificateExpired: "a certificate is expired or not yet valid"
        case .certificateUnknown(let why): "certificate not acceptable: \(why)"
        case .internalError(let why): "internal error: \(why)"
        case .alertReceived(let alert): "the peer sent alert \(alert.name)"
        case .closed: "connection closed"
        }
    }
}
