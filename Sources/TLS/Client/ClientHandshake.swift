import SwiftletCrypto

/// A TLS 1.3 client connection (sans-I/O): see ``TLSEngine``.
public typealias TLSClientConnection = TLSEngine<ClientHandshake>

extension TLSEngine where Role == ClientHandshake {
    /// A client connection; its ClientHello is in ``takeOutput()`` at once.
    public init(configuration: TLSClientConfiguration) throws(TLSError) {
        self.init(role: ClientHandshake(configuration: configuration),
                  maximumHandshakeMessageSize: configuration.maximumHandshakeMessageSize)
        try role.start(records: &records)
    }

    /// What the handshake agreed on, once it has.
    public var negotiated: ClientHandshake.Negotiated? { role.isComplete ? role.negotiated : nil }
}

/// The client's handshake: one state per message it waits for.
///
/// ```
/// expectServerHello ─HRR─▶ expectServerHello (retried) ─▶ expectEncryptedExtensions
///   ─▶ expectCertificate ─▶ expectCertificateVerify ─▶ expectFinished ─▶ complete
/// ```
public struct ClientHandshake: HandshakeRole {
    public struct Negotiated: Equatable, Sendable {
        public var cipherSuite: CipherSuite
        public var group: NamedGroup
        public var applicationProtocol: String?
        public var retried: Bool
    }

    /// Keys and transcript from the ServerHello on.
    struct Keys {
        var suite: CipherSuite
        var hash: HashAlgorithm
        var schedule: KeySchedule
        var transcript: TranscriptHash
        var clientHandshakeSecret: [UInt8]
        var serverHandshakeSecret: [UInt8]
        /// The context of a CertificateRequest, answered with an empty Certificate.
        var certificateRequestContext: [UInt8]?
    }

    enum State {
        case start
        case expectServerHello(hello: ClientHello, raw: [UInt8], key: KeyExchangeKey, retried: Bool)
        case expectEncryptedExtensions(Keys)
        case expectCertificate(Keys)
        case expectCertificateVerify(Keys, TLSPeerPublicKey)
        case expectFinished(Keys)
        case complete
    }

    private let configuration: TLSClientConfiguration
    private var state = State.start
    private var random: TLSRandom
    private(set) var negotiated = Negotiated(cipherSuite: CipherSuite(rawValue: 0), group: NamedGroup(rawValue: 0),
                                              applicationProtocol: nil, retried: false)
    private var sentChangeCipherSpec = false

    init(configuration: TLSClientConfiguration) {
        self.configuration = configuration
        self.random = configuration.random
    }

    public var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    public var acceptsChangeCipherSpec: Bool {
        switch state {
        case .start, .complete: false
        default: true
        }
    }

    public var acceptsPlaintextAlert: Bool {
        if case .expectServerHello = state { return true }
        return false
    }

    public func handlePostHandshake(_ type: HandshakeType, body: [UInt8]) throws(TLSError) {
        switch type {
        case .newSessionTicket: _ = try NewSessionTicket.parse(body)   // no resumption: checked, dropped
        default: throw .unexpectedMessage("handshake message \(type.rawValue) after the handshake")
        }
    }

    // MARK: ClientHello

    mutating func start(records: inout RecordLayer) throws(TLSError) {
        guard let group = configuration.groups.first else { throw .internalError("no groups configured") }
        let key = try KeyExchangeKey(group: group, using: &random)
        var extensions = Extensions()
        if !configuration.serverName.isEmpty && !ClientHandshake.isIPAddress(configuration.serverName) {
            extensions.appendServerName(configuration.serverName)
        }
        extensions.appendSupportedGroups(configuration.groups)
        extensions.appendSignatureAlgorithms(SignatureScheme.clientVerifiable)
        extensions.appendSignatureAlgorithms(SignatureScheme.clientVerifiableInCertificates, type: .signatureAlgorithmsCert)
        extensions.appendOfferedVersions([.tls13])
        extensions.appendClientKeyShares([KeyShareEntry(group: group, keyExchange: key.publicValue)])
        if !configuration.applicationProtocols.isEmpty {
            extensions.appendApplicationProtocols(configuration.applicationProtocols.map { Array($0.utf8) })
        }
        // A 32-byte session ID: middlebox compatibility mode (§D.4).
        let hello = ClientHello(random: random.bytes(32), legacySessionID: random.bytes(32),
                                cipherSuites: configuration.cipherSuites, extensions: extensions)
        let raw = HandshakeMessage.frame(.clientHello, hello.encoded)
        records.sendHandshake(raw)
        state = .expectServerHello(hello: hello, raw: raw, key: key, retried: false)
    }

    static func isIPAddress(_ name: String) -> Bool {
        name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E } || name.utf8.contains(0x3A)
    }

    // MARK: The server's messages

    public mutating func handle(_ type: HandshakeType, body: [UInt8], raw: [UInt8], records: inout RecordLayer) throws(TLSError) {
        switch state {
        case .start, .complete:
            throw .unexpectedMessage("handshake message \(type.rawValue)")
        case .expectServerHello(let hello, let helloBytes, let key, let retried):
            guard type == .serverHello else { throw .unexpectedMessage("expected ServerHello") }
            try handleServerHello(try ServerHello.parse(body), raw: raw, hello: hello, helloBytes: helloBytes, key: key,
                                  retried: retried, records: &records)
        case .expectEncryptedExtensions(var keys):
            guard type == .encryptedExtensions else { throw .unexpectedMessage("expected EncryptedExtensions") }
            let extensions = try EncryptedExtensions.parse(body).extensions
            for forbidden in [ExtensionType.supportedVersions, .keyShare, .preSharedKey, .signatureAlgorithms, .cookie]
                where extensions.contains(forbidden) {
                throw .illegalParameter("extension \(forbidden.rawValue) in EncryptedExtensions")
            }
            if let protocols = try extensions.applicationProtocols() {
                guard protocols.count == 1,
                      let chosen = configuration.applicationProtocols.first(where: { Array($0.utf8) == protocols[0] }) else {
                    throw .illegalParameter("the server chose an application protocol not offered")
                }
                negotiated.applicationProtocol = chosen
            }
            if let limit = try extensions.recordSizeLimit() { records.applyPeerRecordSizeLimit(limit) }
            keys.transcript.update(raw)
            state = .expectCertificate(keys)
        case .expectCertificate(var keys):
            if type == .certificateRequest, keys.certificateRequestContext == nil {
                keys.certificateRequestContext = try CertificateRequest.parse(body).requestContext
                keys.transcript.update(raw)
                state = .expectCertificate(keys)
                return
            }
            guard type == .certificate else { throw .unexpectedMessage("expected Certificate") }
            let certificate = try CertificateMessage.parse(body)
            guard certificate.requestContext.isEmpty else { throw .illegalParameter("server certificate with a request context") }
            guard !certificate.entries.isEmpty else { throw .decodeError("the server sent no certificate") }
            let publicKey: TLSPeerPublicKey
            switch configuration.verifier(certificate.entries.map { $0.certificate }, configuration.serverName) {
            case .success(let key): publicKey = key
            case .failure(let error): throw error
            }
            keys.transcript.update(raw)
            state = .expectCertificateVerify(keys, publicKey)
        case .expectCertificateVerify(var keys, let publicKey):
            guard type == .certificateVerify else { throw .unexpectedMessage("expected CertificateVerify") }
            let verify = try CertificateVerify.parse(body)
            guard SignatureScheme.clientVerifiable.contains(verify.algorithm) else {
                throw .illegalParameter("signature scheme \(verify.algorithm.rawValue) not offered")
            }
            let content = CertificateVerify.signedContent(transcriptHash: keys.transcript.current, isServer: true)
            guard publicKey.verifies(verify.signature, scheme: verify.algorithm, content: content) else {
                throw .decryptError("the server's CertificateVerify does not verify")
            }
            keys.transcript.update(raw)
            state = .expectFinished(keys)
        case .expectFinished(var keys):
            guard type == .finished else { throw .unexpectedMessage("expected Finished") }
            let expected = KeySchedule.finishedVerifyData(keys.hash, baseKey: keys.serverHandshakeSecret,
                                                          transcriptHash: keys.transcript.current)
            guard constantTimeEquals(body, expected) else { throw .decryptError("the server's Finished does not verify") }
            keys.transcript.update(raw)
            let finishedHash = keys.transcript.current
            let serverApplication = keys.schedule.serverApplicationTrafficSecret(transcriptHash: finishedHash)
            let clientApplication = keys.schedule.clientApplicationTrafficSecret(transcriptHash: finishedHash)
            try records.setReader(try RecordProtector(suite: keys.suite, secret: serverApplication))

            if !sentChangeCipherSpec {
                records.sendChangeCipherSpec()
                sentChangeCipherSpec = true
            }
            var flight: [UInt8] = []
            if let context = keys.certificateRequestContext {
                // No client certificates: an empty Certificate answers the request (§4.4.2).
                let empty = HandshakeMessage.frame(.certificate, CertificateMessage(requestContext: context, entries: []).encoded)
                keys.transcript.update(empty)
                flight += empty
            }
            let verifyData = KeySchedule.finishedVerifyData(keys.hash, baseKey: keys.clientHandshakeSecret,
                                                            transcriptHash: keys.transcript.current)
            flight += HandshakeMessage.frame(.finished, verifyData)
            records.sendHandshake(flight)
            records.writer = try RecordProtector(suite: keys.suite, secret: clientApplication)
            state = .complete
        }
    }

    private mutating func handleServerHello(_ serverHello: ServerHello, raw: [UInt8], hello: ClientHello, helloBytes: [UInt8],
                                            key: KeyExchangeKey, retried: Bool, records: inout RecordLayer) throws(TLSError) {
        guard try serverHello.extensions.selectedVersion() == .tls13 else { throw .protocolVersion }
        guard serverHello.legacySessionIDEcho == hello.legacySessionID else { throw .illegalParameter("session ID not echoed") }
        guard hello.cipherSuites.contains(serverHello.cipherSuite), let hash = serverHello.cipherSuite.hash else {
            throw .illegalParameter("a cipher suite not offered")
        }
        guard serverHello.legacyCompressionMethod == 0 else { throw .illegalParameter("compression") }

        if serverHello.isHelloRetryRequest {
            guard !retried else { throw .unexpectedMessage("a second HelloRetryRequest") }
            guard let group = try serverHello.extensions.selectedGroup() else { throw .missingExtension("key_share") }
            guard configuration.groups.contains(group), group != key.group else {
                throw .illegalParameter("HelloRetryRequest for group \(group.rawValue)")
            }
            let newKey = try KeyExchangeKey(group: group, using: &random)
            var second = hello
            var extensions = Extensions()
            for item in hello.extensions.all {
                if item.type == .keyShare {
                    extensions.appendClientKeyShares([KeyShareEntry(group: group, keyExchange: newKey.publicValue)])
                } else {
                    extensions.all.append(item)
                }
            }
            if let cookie = try serverHello.extensions.cookie() { extensions.appendCookie(cookie) }
            second.extensions = extensions
            let secondBytes = HandshakeMessage.frame(.clientHello, second.encoded)
            // The transcript restarts after a retry; remember it as bytes until the suite is final.
            var transcript = TranscriptHash(hash)
            transcript.update(helloBytes)
            transcript.replaceWithMessageHash()
            transcript.update(raw)
            records.sendChangeCipherSpec()
            sentChangeCipherSpec = true
            records.sendHandshake(secondBytes)
            retryTranscript = (transcript, serverHello.cipherSuite)
            state = .expectServerHello(hello: second, raw: secondBytes, key: newKey, retried: true)
            return
        }

        guard let share = try serverHello.extensions.serverKeyShare() else { throw .missingExtension("key_share") }
        guard share.group == key.group else { throw .illegalParameter("a key share for a group not offered") }
        let sharedSecret = try key.sharedSecret(with: share.keyExchange)

        var transcript: TranscriptHash
        if let (retry, suite) = retryTranscript {
            guard suite == serverHello.cipherSuite else { throw .illegalParameter("the suite changed after HelloRetryRequest") }
            transcript = retry
        } else {
            transcript = TranscriptHash(hash)
        }
        transcript.update(helloBytes)
        transcript.update(raw)
        let schedule = KeySchedule(hash: hash, sharedSecret: sharedSecret)
        let helloHash = transcript.current
        let keys = Keys(suite: serverHello.cipherSuite, hash: hash, schedule: schedule, transcript: transcript,
                        clientHandshakeSecret: schedule.clientHandshakeTrafficSecret(transcriptHash: helloHash),
                        serverHandshakeSecret: schedule.serverHandshakeTrafficSecret(transcriptHash: helloHash),
                        certificateRequestContext: nil)
        try records.setReader(try RecordProtector(suite: keys.suite, secret: keys.serverHandshakeSecret))
        // Alerts from here on go under the client's handshake keys, after the dummy CCS.
        if !sentChangeCipherSpec {
            records.sendChangeCipherSpec()
            sentChangeCipherSpec = true
        }
        records.writer = try RecordProtector(suite: keys.suite, secret: keys.clientHandshakeSecret)
        negotiated = Negotiated(cipherSuite: keys.suite, group: share.group, applicationProtocol: nil, retried: retried)
        state = .expectEncryptedExtensions(keys)
    }

    private var retryTranscript: (TranscriptHash, CipherSuite)?
}
