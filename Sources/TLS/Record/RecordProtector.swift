import SwiftletCrypto

/// One direction's record protection (§5.2, §5.3): the AEAD key, the IV and the sequence
/// number that, XORed into the IV, makes each record's nonce.
public struct RecordProtector {
    private let key: AEADKey
    private let iv: [UInt8]
    public private(set) var sequenceNumber: UInt64 = 0
    /// The traffic secret the keys came from, for KeyUpdate.
    let secret: [UInt8]
    let suite: CipherSuite

    /// The keys of traffic secret `secret` under `suite`.
    public init(suite: CipherSuite, secret: [UInt8]) throws(TLSError) {
        guard let hash = suite.hash, let aead = suite.aead else { throw .internalError("suite \(suite.rawValue) is not implemented") }
        let keys = KeySchedule.trafficKeys(hash, secret: secret, keyLength: aead.keyLength)
        do throws(CryptoError) {
            key = try AEADKey(aead.algorithm, key: SymmetricKey(data: keys.key))
        } catch {
            throw .internalError("AEAD key setup failed")
        }
        iv = keys.iv
        self.secret = secret
        self.suite = suite
    }

    /// The protector of the next generation of keys (KeyUpdate, §7.2).
    func next() throws(TLSError) -> RecordProtector {
        guard let hash = suite.hash else { throw .internalError("no hash") }
        return try RecordProtector(suite: suite, secret: KeySchedule.nextTrafficSecret(hash, secret))
    }

    private func nonce() -> [UInt8] {
        var nonce = iv
        for index in 0..<8 {
            nonce[nonce.count - 1 - index] ^= UInt8(truncatingIfNeeded: sequenceNumber >> (8 * UInt64(index)))
        }
        return nonce
    }

    /// Protects `content` of type `type` as one record (header included), with `padding`
    /// zero bytes after the inner content type.
    public mutating func seal(_ type: ContentType, _ content: [UInt8], padding: Int = 0) -> [UInt8] {
        var inner = content
        inner.reserveCapacity(content.count + 1 + padding + 16)
        inner.append(type.rawValue)
        if padding > 0 { inner += [UInt8](repeating: 0, count: padding) }
        let header = TLSRecord.header(.applicationData, length: inner.count + 16)
        let tag = key.seal(&inner, nonce: nonce(), authenticating: header)
        sequenceNumber &+= 1
        return header + inner + tag
    }

    /// Opens a protected record: its real content type and content, padding removed.
    /// `maximumInnerLength` is the largest TLSInnerPlaintext accepted (2^14 + 1, or less under
    /// a record size limit).
    public mutating func open(_ record: TLSRecord, maximumInnerLength: Int = 16385) throws(TLSError) -> (type: ContentType, content: [UInt8]) {
        guard record.fragment.count > 16 else { throw .badRecordMAC }
        // The AEAD keeps lengths, so the inner plaintext's length is known before decrypting.
        guard record.fragment.count - 16 <= maximumInnerLength else { throw .recordOverflow }
        var inner = Array(record.fragment[0..<record.fragment.count - 16])
        let tag = Array(record.fragment[(record.fragment.count - 16)...])
        let header = TLSRecord.header(record.contentType, version: record.legacyVersion, length: record.fragment.count)
        do throws(CryptoError) {
            try key.open(&inner, tag: tag, nonce: nonce(), authenticating: header)
        } catch {
            throw .badRecordMAC
        }
        sequenceNumber &+= 1
        // The content type is the last non-zero byte; zeros after it are padding (§5.4).
        var end = inner.count
        while end > 0 && inner[end - 1] == 0 { end -= 1 }
        guard end > 0 else { throw .unexpectedMessage("a protected record with no content type") }
        let type = ContentType(rawValue: inner[end - 1])
        inner.removeSubrange((end - 1)...)
        return (type, inner)
    }
}
