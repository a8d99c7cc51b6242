/// One record as it came off the wire (§5.1): outer content type, legacy version, fragment.
public struct TLSRecord: Equatable, Sendable {
    public var contentType: ContentType
    public var legacyVersion: UInt16
    public var fragment: [UInt8]

    public init(contentType: ContentType, legacyVersion: UInt16 = 0x0303, fragment: [UInt8]) {
        self.contentType = contentType
        self.legacyVersion = legacyVersion
        self.fragment = fragment
    }

    /// The 5-byte header: also the additional data of a protected record.
    public static func header(_ type: ContentType, version: UInt16 = 0x0303, length: Int) -> [UInt8] {
        [type.rawValue, UInt8(version >> 8), UInt8(truncatingIfNeeded: version), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
    }

    public var encoded: [UInt8] { TLSRecord.header(contentType, version: legacyVersion, length: fragment.count) + fragment }
}

/// Splits a byte stream into records. Checks every header before it waits for the body, so a
/// record longer than the protocol allows fails at once and the buffer never holds more than
/// one record plus what arrived with it.
public struct RecordDeframer: Sendable {
    /// The largest plaintext fragment (§5.1).
    public static let maximumPlaintextLength = 16384
    /// The largest protected fragment: plaintext, content type, padding and tag (§5.2).
    public static let maximumCiphertextLength = 16384 + 256

    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    /// Bytes received and not yet returned as records.
    public var bufferedCount: Int { buffer.count - start }

    public mutating func append(_ bytes: [UInt8]) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 32 * 1024 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer += bytes
    }

    /// The next whole record, or `nil` if more bytes are needed.
    public mutating func next() throws(TLSError) -> TLSRecord? {
        guard bufferedCount >= 5 else { return nil }
        let type = ContentType(rawValue: buffer[start])
        guard type.rawValue >= 20 && type.rawValue <= 23 else { throw .unexpectedMessage("record content type \(type.rawValue)") }
        let version = UInt16(buffer[start + 1]) << 8 | UInt16(buffer[start + 2])
        // Only the major version means anything: 3 is SSL 3.0 to TLS 1.3's legacy 1.2.
        guard version >> 8 == 3 else { throw .protocolVersion }
        let length = Int(buffer[start + 3]) << 8 | Int(buffer[start + 4])
        guard length <= RecordDeframer.maximumCiphertextLength else { throw .recordOverflow }
        guard bufferedCount >= 5 + length else { return nil }
        let fragment = Array(buffer[start + 5..<start + 5 + length])
        start += 5 + length
        return TLSRecord(contentType: type, legacyVersion: version, fragment: fragment)
    }
}
