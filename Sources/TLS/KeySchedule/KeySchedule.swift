/// The TLS 1.3 key schedule without pre-shared keys (§7.1):
///
/// ```
/// early     = Extract(0, 0)
/// handshake = Extract(Derive-Secret(early, "derived", ""), ECDHE)
///   client/server handshake traffic = Derive-Secret(handshake, "c hs traffic" / "s hs traffic", CH..SH)
/// master    = Extract(Derive-Secret(handshake, "derived", ""), 0)
///   client/server application traffic = Derive-Secret(master, "c ap traffic" / "s ap traffic", CH..server Finished)
/// ```
public struct KeySchedule: Sendable {
    public let hash: HashAlgorithm
    public private(set) var handshakeSecret: [UInt8]

    /// Starts the schedule from the shared secret of the key exchange.
    public init(hash: HashAlgorithm, sharedSecret: [UInt8]) {
        self.hash = hash
        let zeros = [UInt8](repeating: 0, count: hash.byteCount)
        let early = hash.extract(salt: zeros, inputKeyMaterial: zeros)
        let salt = KeySchedule.deriveSecret(hash, early, label: "derived", transcriptHash: hash.hash([]))
        handshakeSecret = hash.extract(salt: salt, inputKeyMaterial: sharedSecret)
    }

    /// HKDF-Expand-Label (§7.1).
    public static func expandLabel(_ hash: HashAlgorithm, secret: [UInt8], label: String, context: [UInt8], length: Int) -> [UInt8] {
        var info = WireWriter()
        info.writeUInt16(UInt16(length))
        info.writeOpaque(lengthBytes: 1, Array("tls13 ".utf8) + Array(label.utf8))
        info.writeOpaque(lengthBytes: 1, context)
        return hash.expand(pseudoRandomKey: secret, info: info.bytes, length: length)
    }

    /// Derive-Secret (§7.1), given the transcript hash.
    public static func deriveSecret(_ hash: HashAlgorithm, _ secret: [UInt8], label: String, transcriptHash: [UInt8]) -> [UInt8] {
        expandLabel(hash, secret: secret, label: label, context: transcriptHash, length: hash.byteCount)
    }

    public func clientHandshakeTrafficSecret(transcriptHash: [UInt8]) -> [UInt8] {
        KeySchedule.deriveSecret(hash, handshakeSecret, label: "c hs traffic", transcriptHash: transcriptHash)
    }

    public func serverHandshakeTrafficSecret(transcriptHash: [UInt8]) -> [UInt8] {
        KeySchedule.deriveSecret(hash, handshakeSecret, label: "s hs traffic", transcriptHash: transcriptHash)
    }

    public var masterSecret: [UInt8] {
        let salt = KeySchedule.deriveSecret(hash, handshakeSecret, label: "derived", transcriptHash: hash.hash([]))
        return hash.extract(salt: salt, inputKeyMaterial: [UInt8](repeating: 0, count: hash.byteCount))
    }

    public func clientApplicationTrafficSecret(transcriptHash: [UInt8]) -> [UInt8] {
        KeySchedule.deriveSecret(hash, masterSecret, label: "c ap traffic", transcriptHash: transcriptHash)
    }

    public func serverApplicationTrafficSecret(transcriptHash: [UInt8]) -> [UInt8] {
        KeySchedule.deriveSecret(hash, masterSecret, label: "s ap traffic", transcriptHash: transcriptHash)
    }

    /// The Finished message's verify data for a base key (a handshake traffic secret) (§4.4.4).
    public static func finishedVerifyData(_ hash: HashAlgorithm, baseKey: [UInt8], transcriptHash: [UInt8]) -> [UInt8] {
        let key = expandLabel(hash, secret: baseKey, label: "finished", context: [], length: hash.byteCount)
        return hash.authenticationCode(for: transcriptHash, key: key)
    }

    /// The next application traffic secret after a KeyUpdate (§7.2).
    public static func nextTrafficSecret(_ hash: HashAlgorithm, _ secret: [UInt8]) -> [UInt8] {
        expandLabel(hash, secret: secret, label: "traffic upd", context: [], length: hash.byteCount)
    }

    /// The record key and IV of a traffic secret (§7.3).
    public static func trafficKeys(_ hash: HashAlgorithm, secret: [UInt8], keyLength: Int) -> (key: [UInt8], iv: [UInt8]) {
        (expandLabel(hash, secret: secret, label: "key", context: [], length: keyLength),
         expandLabel(hash, secret: secret, label: "iv", context: [], length: 12))
    }
}
