/// Both directions of the record layer of one connection: splitting the input into records
/// and handshake messages, protecting and framing the output. Knows nothing of the handshake.
public struct RecordLayer {
    var deframer = RecordDeframer()
    var handshake: HandshakeDeframer
    private(set) var reader: RecordProtector?
    var writer: RecordProtector?
    /// Bytes to send, in order.
    var output: [UInt8] = []
    /// The most content this side puts in one record: 2^14, or less under the peer's
    /// record_size_limit (RFC 8449 counts the content type byte, hence the 1).
    var maximumFragment = RecordDeframer.maximumPlaintextLength
    /// The largest TLSInnerPlaintext this side accepts: its own advertised limit.
    var maximumInnerLength = RecordDeframer.maximumPlaintextLength + 1

    init(maximumHandshakeMessageSize: Int) {
        handshake = HandshakeDeframer(maximumMessageSize: maximumHandshakeMessageSize)
    }

    /// Installs new read keys; a handshake message must not straddle a key change (§5.1).
    mutating func setReader(_ protector: RecordProtector) throws(TLSError) {
        guard handshake.isEmpty else { throw .unexpectedMessage("a handshake message straddles a key change") }
        reader = protector
    }

    /// Applies the peer's `record_size_limit`.
    mutating func applyPeerRecordSizeLimit(_ limit: Int) {
        maximumFragment = min(RecordDeframer.maximumPlaintextLength, limit - 1)
    }

    /// The next record's real content type and content (decrypted when read keys are on).
    mutating func nextContent(acceptPlaintextAlert: Bool) throws(TLSError) -> (type: ContentType, content: [UInt8])? {
        guard let record = try deframer.next() else { return nil }
        if record.contentType == .changeCipherSpec || reader == nil
            || (acceptPlaintextAlert && record.contentType == .alert) {
            guard record.contentType != .applicationData else { throw .unexpectedMessage("application data before keys") }
            guard record.fragment.count <= RecordDeframer.maximumPlaintextLength else { throw .recordOverflow }
            return (record.contentType, record.fragment)
        }
        guard record.contentType == .applicationData else {
            throw .unexpectedMessage("an unprotected record of type \(record.contentType.rawValue) after the key change")
        }
        return try reader!.open(record, maximumInnerLength: maximumInnerLength)
    }

    /// Sends `content` of `type` in as many records as it takes.
    mutating func send(_ type: ContentType, _ content: [UInt8]) {
        let limit = writer == nil ? RecordDeframer.maximumPlaintextLength : maximumFragment
        var offset = 0
        repeat {
            let end = min(content.count, offset + limit)
            let piece = Array(content[offset..<end])
            if writer == nil {
                output += TLSRecord.header(type, length: piece.count) + piece
            } else {
                output += writer!.seal(type, piece)
            }
            offset = end
        } while offset < content.count
    }

    mutating func sendHandshake(_ messages: [UInt8]) { send(.handshake, messages) }

    mutating func sendAlert(_ alert: Alert) { send(.alert, alert.encoded) }

    /// The dummy ChangeCipherSpec of middlebox compatibility mode (§D.4), always unprotected.
    mutating func sendChangeCipherSpec() {
        output += TLSRecord.header(.changeCipherSpec, length: 1) + [1]
    }

    mutating func takeOutput() -> [UInt8] {
        defer { output = [] }
        return output
    }
}
