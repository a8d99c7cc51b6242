/// An alert's description byte (RFC 8446 §6).
public struct AlertDescription: RawRepresentable, Equatable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let closeNotify = AlertDescription(rawValue: 0)
    public static let unexpectedMessage = AlertDescription(rawValue: 10)
    public static let badRecordMAC = AlertDescription(rawValue: 20)
    public static let recordOverflow = AlertDescription(rawValue: 22)
    public static let handshakeFailure = AlertDescription(rawValue: 40)
    public static let badCertificate = AlertDescription(rawValue: 42)
    public static let unsupportedCertificate = AlertDescription(rawValue: 43)
    public static let certificateRevoked = AlertDescription(rawValue: 44)
    public static let certificateExpired = AlertDescription(rawValue: 45)
    public static let certificateUnknown = AlertDescription(rawValue: 46)
    public static let illegalParameter = AlertDescription(rawValue: 47)
    public static let unknownCA = AlertDescription(rawValue: 48)
    public static let accessDenied = AlertDescription(rawValue: 49)
    public static let decodeError = AlertDescription(rawValue: 50)
    public static let decryptError = AlertDescription(rawValue: 51)
    public static let protocolVersion = AlertDescription(rawValue: 70)
    public static let insufficientSecurity = AlertDescription(rawValue: 71)
    public static let internalError = AlertDescription(rawValue: 80)
    public static let inappropriateFallback = AlertDescription(rawValue: 86)
    public static let userCanceled = AlertDescription(rawValue: 90)
    public static let missingExtension = AlertDescription(rawValue: 109)
    public static let unsupportedExtension = AlertDescription(rawValue: 110)
    public static let unrecognizedName = AlertDescription(rawValue: 112)
    public static let badCertificateStatusResponse = AlertDescription(rawValue: 113)
    public static let unknownPSKIdentity = AlertDescription(rawValue: 115)
    public static let certificateRequired = AlertDescription(rawValue: 116)
    public static let noApplicationProtocol = AlertDescription(rawValue: 120)

    /// The name RFC 8446 gives the alert, for logs.
    public var name: String {
        switch rawValue {
        case 0: "close_notify"
        case 10: "unexpected_message"
        case 20: "bad_record_mac"
        case 22: "record_overflow"
        case 40: "handshake_failure"
        case 42: "bad_certificate"
        case 43: "unsupported_certificate"
        case 44: "certificate_revoked"
        case 45: "certificate_expired"
        case 46: "certificate_unknown"
        case 47: "illegal_parameter"
        case 48: "unknown_ca"
        case 49: "access_denied"
        case 50: "decode_error"
        case 51: "decrypt_error"
        case 70: "protocol_version"
        case 71: "insufficient_security"
        case 80: "internal_error"
        case 86: "inappropriate_fallback"
        case 90: "user_canceled"
        case 109: "missing_extension"
        case 110: "unsupported_extension"
        case 112: "unrecognized_name"
        case 113: "bad_certificate_status_response"
        case 115: "unknown_psk_identity"
        case 116: "certificate_required"
        case 120: "no_application_protocol"
        default: "alert \(rawValue)"
        }
    }
}

/// An alert message: level and description. TLS 1.3 treats every alert but `close_notify`
/// and `user_canceled` as fatal whatever its level says.
public struct Alert: Equatable, Sendable {
    public enum Level: UInt8, Sendable { case warning = 1, fatal = 2 }

    public var level: Level
    public var description: AlertDescription

    public init(level: Level, description: AlertDescription) {
        self.level = level
        self.description = description
    }

    /// The alert this side sends for `description`: `close_notify` and `user_canceled` as
    /// warnings, the rest fatal.
    public init(_ description: AlertDescription) {
        self.level = description == .closeNotify || description == .userCanceled ? .warning : .fatal
        self.description = description
    }

    /// Whether the alert ends the connection with an error.
    public var isFatal: Bool { description != .closeNotify && description != .userCanceled }

    public static func parse(_ bytes: [UInt8]) throws(TLSError) -> Alert {
        guard bytes.count == 2 else { throw .decodeError("an alert is two bytes") }
        guard let level = Level(rawValue: bytes[0]) else { throw .illegalParameter("alert level \(bytes[0])") }
        return Alert(level: level, description: AlertDescription(rawValue: bytes[1]))
    }

    public var encoded: [UInt8] { [level.rawValue, description.rawValue] }
}
