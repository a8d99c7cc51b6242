import SwiftletCrypto

/// A TLS 1.3 server connection (sans-I/O): see ``TLSEngine``.
public typealias TLSServerConnection = TLSEngine<ServerHandshake>

extension TLSEngine where Role == ServerHandshake {
    /// A server connection waiting for a ClientHello.
    public init(configuration: TLSServerConfiguration) {
        self.init(role: ServerHandshake(configuration: configuration),
                  maximumHandshakeMessageSize: configuration.maximumHandshakeMessageSize)
        records.maximumInnerLength = max(64, min(16385, configuration.recordSizeLimit))
    }

    /// What the handshake agreed on, once it has.
    public var negotiated: ServerHandshake.Negotiated? { role.isComplete ? role.negotiated : nil }
}

/// The server's handshake (§2, §4): one state per step.
///
/// ```
/// expectClientHello ──HRR──▶ expectRetriedClientHello
///        │                             │
///        └──── ServerHello … Finished ─┴──▶ expectFinished ──▶ complete
/// ```
public struct ServerHandshake: HandshakeRole {
    /// What a handshake agreed on.
    public struct Negotiated: Equatable, Sendable {
        public var cipherSuite: CipherSuite
        public var group: NamedGroup
        /// The client's server_name, if it sent one.
        public var serverName: String?
        /// The ALPN protocol, if one was agreed.
        public var applicationProtocol: String?
        /// Whether a HelloRetryRequest was needed.
        public var retried: Bool
    }

    /// After a HelloRetryRequest: what the second ClientHello must agree with.
    struct Retry {
        var transcript: TranscriptHash
        var suite: CipherSuite
        var group: NamedGroup
        var sentChangeCipherSpec: Bool
    }

    /// Waiting for the client's Finished.
    struct AwaitingFinished {
        var suite: CipherSuite
        var expectedVerifyData: [UInt8]
        var clientApplicationSecret: [UInt8]
    }

    enum State {
        case expectClientHello
        case expectRetriedClientHello(Retry)
        case expectFinished(AwaitingFinished)
        case complete
    }

    private let configuration: TLSServerConfiguration
    private var state = State.expectClientHello
    private(set) var negotiated = Negotiated(cipherSuite: CipherSuite(rawValue: 0), group: NamedGroup(rawValue: 0),
                                              serverName: nil, applicationProtocol: nil, retried: false)

    init(configuration: TLSServerConfiguration) {
        self.configuration = configuration
    }

    public var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    public var acceptsChangeCipherSpec: Bool {
        switch state {
        case .expectClientHello, .complete: false
        default: true
        }
    }

    public var acceptsPlaintextAlert: Bool { !isComplete }

    public func handlePostHandshake(_ type: HandshakeType, body: [UInt8]) throws(TLSError) {
        throw .unexpectedMessage("handshake message \(type.rawValue) after the handshake")
    }

    public mutating func handle(_ type: HandshakeType, body: [UInt8], raw: [UInt8], records: inout RecordLayer) throws(TLSError) {
        switch state {
        case .expectClientHello:
            guard type == .clientHello else { throw .unexpectedMessage("expected ClientHello") }
            try handleClientHello(try ClientHello.parse(body), raw: raw, retry: nil, records: &records)
        case .expectRetriedClientHello(let retry):
            guard type == .clientHello else { throw .unexpectedMessage("expected the second ClientHello") }
            try handleClientHello(try ClientHello.parse(body), raw: raw, retry: retry, records: &records)
        case .expectFinished(let awaiting):
            guard type == .finished else { throw .unexpectedMessage("expected the client's Finished") }
            guard constantTimeEquals(body, awaiting.expectedVerifyData) else { throw .decryptError("the client's Finished does not verify") }
            try records.setReader(try RecordProtector(suite: awaiting.suite, secret: awaiting.clientApplicationSecret))
            state = .complete
        case .complete:
            throw .unexpectedMessage("handshake message after the handshake")
        }
    }

    // MARK: ClientHello

    private mutating func handleClientHello(_ hello: ClientHello, raw: [UInt8], retry: Retry?, records: inout RecordLayer) throws(TLSError) {
        let extensions = hello.extensions
        guard let versions = try extensions.offeredVersions(), versions.contains(.tls13) else { throw .protocolVersion }
        guard hello.legacyCompressionMethods == [0] else { throw .illegalParameter("compression") }

        let suite: CipherSuite
        if let retry {
            guard hello.cipherSuites.contains(retry.suite) else { throw .illegalParameter("the second ClientHello dropped the suite") }
            suite = retry.suite
        } else {
            guard let common = configuration.cipherSuites.first(where: { hello.cipherSuites.contains($0) }) else {
                throw .handshakeFailure("no common cipher suite")
            }
            suite = common
        }
        guard let hash = suite.hash else { throw .internalError("suite without hash") }

        guard let signatureSchemes = try extensions.signatureAlgorithms() else { throw .missingExtension("signature_algorithms") }
        guard signatureSchemes.contains(.ecdsaSecp256r1SHA256) else { throw .handshakeFailure("the client does not accept ECDSA P-256 signatures") }
        guard let groups = try extensions.supportedGroups() else { throw .missingExtension("supported_groups") }
        guard let shares = try extensions.clientKeyShares() else { throw .missingExtension("key_share") }
        for share in shares where !groups.contains(share.group) {
            throw .illegalParameter("a key share for a group not in supported_groups")
        }

        let serverName = try extensions.serverName()
        var applicationProtocol: String?
        if let offered = try extensions.applicationProtocols(), !configuration.applicationProtocols.isEmpty {
            guard let chosen = configuration.applicationProtocols.first(where: { offered.contains(Array($0.utf8)) }) else {
                throw .noApplicationProtocol
            }
            applicationProtocol = chosen
        }
        let peerRecordSizeLimit = try extensions.recordSizeLimit()

        // The key share: one we have, or ask for one with a HelloRetryRequest.
        let share: KeyShareEntry
        if let retry {
            guard shares.count == 1, shares[0].group == retry.group else {
                throw .illegalParameter("the second ClientHello lacks the requested key share")
            }
            share = shares[0]
        } else if let group = configuration.groups.first(where: { group in shares.contains(where: { $0.group == group }) }),
                  let found = shares.first(where: { $0.group == group }) {
            share = found
        } else {
            guard let group = configuration.groups.first(where: { groups.contains($0) }) else {
                throw .handshakeFailure("no common key-exchange group")
            }
            try sendHelloRetryRequest(hello, raw: raw, suite: suite, group: group, records: &records)
            return
        }

        var random = configuration.random
        let key = try KeyExchangeKey(group: share.group, using: &random)
        let sharedSecret = try key.sharedSecret(with: share.keyExchange)

        var transcript = retry?.transcript ?? TranscriptHash(hash)
        transcript.update(raw)

        var serverExtensions = Extensions()
        serverExtensions.appendSelectedVersion(.tls13)
        serverExtensions.appendServerKeyShare(KeyShareEntry(group: share.group, keyExchange: key.publicValue))
        let serverHello = ServerHello(random: configuration.random.bytes(32), legacySessionIDEcho: hello.legacySessionID,
                                      cipherSuite: suite, extensions: serverExtensions)
        let serverHelloBytes = HandshakeMessage.frame(.serverHello, serverHello.encoded)
        transcript.update(serverHelloBytes)
        records.sendHandshake(serverHelloBytes)
        if !hello.legacySessionID.isEmpty && retry?.sentChangeCipherSpec != true {
            records.sendChangeCipherSpec()
        }

        let schedule = KeySchedule(hash: hash, sharedSecret: sharedSecret)
        let helloHash = transcript.current
        let clientHandshakeSecret = schedule.clientHandshakeTrafficSecret(transcriptHash: helloHash)
        let serverHandshakeSecret = schedule.serverHandshakeTrafficSecret(transcriptHash: helloHash)
        records.writer = try RecordProtector(suite: suite, secret: serverHandshakeSecret)
        try records.setReader(try RecordProtector(suite: suite, secret: clientHandshakeSecret))
        if let peerRecordSizeLimit { records.applyPeerRecordSizeLimit(peerRecordSizeLimit) }

        // EncryptedExtensions, Certificate, CertificateVerify, Finished: one flight.
        var flight: [UInt8] = []
        func add(_ type: HandshakeType, _ body: [UInt8]) {
            let message = HandshakeMessage.frame(type, body)
            transcript.update(message)
            flight += message
        }
        var encrypted = Extensions()
        if let serverName, !serverName.isEmpty { encrypted.appendServerNameAcknowledgement() }
        if let applicationProtocol { encrypted.appendApplicationProtocols([Array(applicationProtocol.utf8)]) }
        if peerRecordSizeLimit != nil { encrypted.appendRecordSizeLimit(records.maximumInnerLength) }
        add(.encryptedExtensions, EncryptedExtensions(extensions: encrypted).encoded)
        add(.certificate, CertificateMessage(entries: configuration.certificateChain.map { CertificateMessage.Entry(certificate: $0) }).encoded)
        let signed = CertificateVerify.signedContent(transcriptHash: transcript.current, isServer: true)
        let signature = configuration.privateKey.signature(for: signed).derRepresentation
        add(.certificateVerify, CertificateVerify(algorithm: .ecdsaSecp256r1SHA256, signature: signature).encoded)
        add(.finished, KeySchedule.finishedVerifyData(hash, baseKey: serverHandshakeSecret, transcriptHash: transcript.current))
        records.sendHandshake(flight)

        let finishedHash = transcript.current
        records.writer = try RecordProtector(suite: suite, secret: schedule.serverApplicationTrafficSecret(transcriptHash: finishedHash))
        let clientApplicationSecret = schedule.clientApplicationTrafficSecret(transcriptHash: finishedHash)
        // The client's Finished covers the transcript up to the server's Finished.
        let expected = KeySchedule.finishedVerifyData(hash, baseKey: clientHandshakeSecret, transcriptHash: finishedHash)

        negotiated = Negotiated(cipherSuite: suite, group: share.group, serverName: serverName,
                                applicationProtocol: applicationProtocol, retried: retry != nil)
        state = .expectFinished(AwaitingFinished(suite: suite, expectedVerifyData: expected,
                                                 clientApplicationSecret: clientApplicationSecret))
    }

    private mutating func sendHelloRetryRequest(_ hello: ClientHello, raw: [UInt8], suite: CipherSuite, group: NamedGroup,
                                                records: inout RecordLayer) throws(TLSError) {
        guard let hash = suite.hash else { throw .internalError("suite without hash") }
        var transcript = TranscriptHash(hash)
        transcript.update(raw)
        transcript.replaceWithMessageHash()
        var extensions = Extensions()
        extensions.appendSelectedVersion(.tls13)
        extensions.appendSelectedGroup(group)
        let retryRequest = ServerHello(random: ServerHello.helloRetryRequestRandom, legacySessionIDEcho: hello.legacySessionID,
                                       cipherSuite: suite, extensions: extensions)
        let bytes = HandshakeMessage.frame(.serverHello, retryRequest.encoded)
        transcript.update(bytes)
        records.sendHandshake(bytes)
        let sendChangeCipherSpec = !hello.legacySessionID.isEmpty
        if sendChangeCipherSpec { records.sendChangeCipherSpec() }
        state = .expectRetriedClientHello(Retry(transcript: transcript, suite: suite, group: group,
                                                sentChangeCipherSpec: sendChangeCipherSpec))
    }
}
