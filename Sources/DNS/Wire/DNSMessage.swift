import SwiftletDevices

/// A DNS message (RFC 1035 §4): the header, then the question, answer, authority and
/// additional sections.
///
/// ```swift
/// let query = DNSMessage(query: DNSQuestion(name: DNSName("example.com")!, type: .a), id: 0x1234)
/// var bytes: [UInt8] = []
/// query.emit(into: &bytes)
/// let reply = try DNSMessage.parse(received[...])
/// ```
///
/// Parsing never traps: any input yields a message or throws a ``DNSWireError``. Emitting
/// writes names uncompressed.
public struct DNSMessage: Hashable, Sendable {
    /// What a response says about the query (RCODE, RFC 1035 §4.1.1).
    public struct ResponseCode: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }
        /// No error.
        public static let noError = ResponseCode(rawValue: 0)
        /// The server could not understand the query.
        public static let formatError = ResponseCode(rawValue: 1)
        /// The server failed.
        public static let serverFailure = ResponseCode(rawValue: 2)
        /// The name does not exist (NXDOMAIN).
        public static let nameError = ResponseCode(rawValue: 3)
        /// The server does not do this kind of query.
        public static let notImplemented = ResponseCode(rawValue: 4)
        /// The server will not answer us.
        public static let refused = ResponseCode(rawValue: 5)
    }

    /// Matches responses to queries.
    public var id: UInt16
    /// A response (QR), not a query.
    public var isResponse: Bool
    /// The kind of query: 0 is a standard query.
    public var opcode: UInt8
    /// The responding server is an authority for the name (AA).
    public var isAuthoritative: Bool
    /// The response was cut to fit the transport (TC): ask again over TCP.
    public var isTruncated: Bool
    /// The client wants the server to recurse (RD).
    public var recursionDesired: Bool
    /// The server recurses (RA).
    public var recursionAvailable: Bool
    /// The response code.
    public var responseCode: ResponseCode
    /// The questions: one, in practice.
    public var questions: [DNSQuestion]
    /// Records that answer the question.
    public var answers: [DNSRecord]
    /// Records pointing to an authority.
    public var authority: [DNSRecord]
    /// Other records that may help.
    public var additional: [DNSRecord]

    /// A recursive standard query for `question`.
    public init(query question: DNSQuestion, id: UInt16) {
        self.id = id
        isResponse = false
        opcode = 0
        isAuthoritative = false
        isTruncated = false
        recursionDesired = true
        recursionAvailable = false
        responseCode = .noError
        questions = [question]
        answers = []
        authority = []
        additional = []
    }

    /// The header's length.
    public static let headerLength = 12
    /// The largest message over UDP without EDNS (RFC 1035 §4.2.1).
    public static let maximumUDPLength = 512

    /// Parses a whole message.
    ///
    /// - Throws: ``DNSWireError/truncated`` when a section holds fewer entries than the header
    ///   counts, a name error for a bad name, ``DNSWireError/badRecordData`` for an A or AAAA
    ///   record of the wrong length or a CNAME whose data is not exactly one name.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(DNSWireError) -> DNSMessage {
        guard bytes.count >= headerLength else { throw .truncated }
        let base = bytes.startIndex
        func word(_ offset: Int) -> UInt16 { UInt16(bytes[base + offset]) << 8 | UInt16(bytes[base + offset + 1]) }
        let flags = word(2)
        var message = DNSMessage(query: DNSQuestion(name: DNSName(labels: [])!, type: .a), id: word(0))
        message.questions = []
        message.isResponse = flags & 0x8000 != 0
        message.opcode = UInt8(truncatingIfNeeded: flags >> 11) & 0x0F
        message.isAuthoritative = flags & 0x0400 != 0
        message.isTruncated = flags & 0x0200 != 0
        message.recursionDesired = flags & 0x0100 != 0
        message.recursionAvailable = flags & 0x0080 != 0
        message.responseCode = ResponseCode(rawValue: UInt8(truncatingIfNeeded: flags))
        let counts = (Int(word(4)), Int(word(6)), Int(word(8)), Int(word(10)))

        var offset = base + headerLength
        // Each entry takes at least 5 bytes, so the loops are bounded by the message's length.
        for _ in 0..<counts.0 {
            let name = try DNSName.parse(bytes, at: &offset)
            guard bytes.endIndex - offset >= 4 else { throw .truncated }
            let type = DNSRecordType(rawValue: UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))
            let questionClass = DNSClass(rawValue: UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3]))
            offset += 4
            message.questions.append(DNSQuestion(name: name, type: type, questionClass: questionClass))
        }
        message.answers = try parseRecords(counts.1, bytes, at: &offset)
        message.authority = try parseRecords(counts.2, bytes, at: &offset)
        message.additional = try parseRecords(counts.3, bytes, at: &offset)
        return message
    }

    private static func parseRecords(_ count: Int, _ bytes: ArraySlice<UInt8>, at offset: inout Int) throws(DNSWireError) -> [DNSRecord] {
        var records: [DNSRecord] = []
        for _ in 0..<count {
            let name = try DNSName.parse(bytes, at: &offset)
            guard bytes.endIndex - offset >= 10 else { throw .truncated }
            func word(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
            let type = DNSRecordType(rawValue: word(offset))
            let recordClass = DNSClass(rawValue: word(offset + 2))
            let timeToLive = UInt32(word(offset + 4)) << 16 | UInt32(word(offset + 6))
            let length = Int(word(offset + 8))
            offset += 10
            guard bytes.endIndex - offset >= length else { throw .truncated }
            let dataEnd = offset + length
            let data: DNSRecordData
            switch type {
            case .a where recordClass == .internet:
                guard length == 4 else { throw .badRecordData }
                data = .ipv4(IPv4Address(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]))
            case .aaaa where recordClass == .internet:
                guard length == 16, let address = IPv6Address(bytes: Array(bytes[offset..<dataEnd])) else { throw .badRecordData }
                data = .ipv6(address)
            case .cname:
                var position = offset
                // The name may point anywhere before it, but must end exactly at the data's end.
                let target = try DNSName.parse(bytes[..<dataEnd], at: &position)
                guard position == dataEnd else { throw .badRecordData }
                data = .canonicalName(target)
            default:
                data = .other(Array(bytes[offset..<dataEnd]))
            }
            offset = dataEnd
            records.append(DNSRecord(name: name, type: type, recordClass: recordClass, timeToLive: timeToLive, data: data))
        }
        return records
    }

    /// Appends the message; names are not compressed. Sections over 65,535 entries are cut there.
    public func emit(into buffer: inout [UInt8]) {
        func append(_ value: UInt16) {
            buffer.append(UInt8(truncatingIfNeeded: value >> 8))
            buffer.append(UInt8(truncatingIfNeeded: value))
        }
        append(id)
        var flags: UInt16 = UInt16(opcode & 0x0F) << 11 | UInt16(responseCode.rawValue)
        if isResponse { flags |= 0x8000 }
        if isAuthoritative { flags |= 0x0400 }
        if isTruncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        append(flags)
        let questions = self.questions.prefix(0xFFFF), answers = self.answers.prefix(0xFFFF)
        let authority = self.authority.prefix(0xFFFF), additional = self.additional.prefix(0xFFFF)
        for count in [questions.count, answers.count, authority.count, additional.count] {
            append(UInt16(truncatingIfNeeded: count))
        }
        for question in questions {
            question.name.emit(into: &buffer)
            append(question.type.rawValue)
            append(question.questionClass.rawValue)
        }
        for record in answers + authority + additional {
            record.name.emit(into: &buffer)
            append(record.type.rawValue)
            append(record.recordClass.rawValue)
            append(UInt16(truncatingIfNeeded: record.timeToLive >> 16))
            append(UInt16(truncatingIfNeeded: record.timeToLive))
            var data: [UInt8] = []
            switch record.data {
            case .ipv4(let address):
                let (a, b, c, d) = address.octets
                data = [a, b, c, d]
            case .ipv6(let address): data = address.bytes
            case .canonicalName(let name): name.emit(into: &data)
            case .other(let bytes): data = Array(bytes.prefix(0xFFFF))
            }
            append(UInt16(truncatingIfNeeded: data.count))
            buffer.append(contentsOf: data)
        }
    }
}
