import SwiftletDevices

/// A resource record type (RFC 1035 §3.2.2, RFC 3596).
public struct DNSRecordType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// An IPv4 address.
    public static let a = DNSRecordType(rawValue: 1)
    /// An authoritative name server.
    public static let ns = DNSRecordType(rawValue: 2)
    /// The canonical name of an alias.
    public static let cname = DNSRecordType(rawValue: 5)
    /// The start of a zone of authority.
    public static let soa = DNSRecordType(rawValue: 6)
    /// Text.
    public static let txt = DNSRecordType(rawValue: 16)
    /// An IPv6 address.
    public static let aaaa = DNSRecordType(rawValue: 28)
}

/// The class of a record or question: `IN` only, in practice.
public struct DNSClass: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// The Internet.
    public static let internet = DNSClass(rawValue: 1)
}

/// An IPv6 address, as the 16 bytes of an AAAA record.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    /// The address, most significant byte first.
    public var bytes: [UInt8]

    /// An address from 16 bytes; `nil` for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Eight groups of hexadecimal digits (no `::` shortening).
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for group in 0..<8 {
            if group > 0 { text.append(UInt8(ascii: ":")) }
            let value = UInt16(bytes[group * 2]) << 8 | UInt16(bytes[group * 2 + 1])
            var started = false
            for shift in stride(from: 12, through: 0, by: -4) {
                let digit = Int(value >> UInt16(shift) & 0xF)
                if digit != 0 || started || shift == 0 {
                    text.append(digits[digit])
                    started = true
                }
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// What a record holds, decoded for the types a stub resolver uses.
public enum DNSRecordData: Hashable, Sendable {
    /// An A record.
    case ipv4(IPv4Address)
    /// An AAAA record.
    case ipv6(IPv6Address)
    /// A CNAME record: the alias's canonical name.
    case canonicalName(DNSName)
    /// Any other type, as its bytes (names in it may be compressed, so they mean nothing alone).
    case other([UInt8])
}

/// One resource record (RFC 1035 §4.1.3).
public struct DNSRecord: Hashable, Sendable {
    /// The owner name.
    public var name: DNSName
    /// The type.
    public var type: DNSRecordType
    /// The class.
    public var recordClass: DNSClass
    /// Seconds the record may be cached.
    public var timeToLive: UInt32
    /// The data.
    public var data: DNSRecordData

    /// Creates a record.
    public init(name: DNSName, type: DNSRecordType, recordClass: DNSClass = .internet, timeToLive: UInt32, data: DNSRecordData) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
        self.timeToLive = timeToLive
        self.data = data
    }
}

/// One question (RFC 1035 §4.1.2).
public struct DNSQuestion: Hashable, Sendable {
    /// The name asked about.
    public var name: DNSName
    /// The type asked for.
    public var type: DNSRecordType
    /// The class asked for.
    public var questionClass: DNSClass

    /// Creates a question.
    public init(name: DNSName, type: DNSRecordType, questionClass: DNSClass = .internet) {
        self.name = name
        self.type = type
        self.questionClass = questionClass
    }
}
