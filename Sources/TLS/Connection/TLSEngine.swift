/// What a connection reports after it takes bytes in.
public enum TLSEvent: Equatable, Sendable {
    /// The handshake finished: application data can flow both ways.
    case handshakeComplete
    /// Decrypted application data.
    case applicationData([UInt8])
    /// The peer sent close_notify: it sends nothing more.
    case peerClosed
}

/// The role-specific part of a connection: the handshake state machine of a client or a
/// server. The engine hands it each handshake message until ``isComplete``.
public protocol HandshakeRole {
    /// Handles one handshake message (raw: with its header, for the transcript).
    mutating func handle(_ type: HandshakeType, body: [UInt8], raw: [UInt8], records: inout RecordLayer) throws(TLSError)
    /// Whether the handshake is done.
    var isComplete: Bool { get }
    /// Whether a dummy ChangeCipherSpec may arrive now (between the first ClientHello and the
    /// peer's Finished, §5).
    var acceptsChangeCipherSpec: Bool { get }
    /// Whether the peer may still send an unprotected alert (it may not have our keys yet).
    var acceptsPlaintextAlert: Bool { get }
    /// Handles a post-handshake message the engine does not (NewSessionTicket on a client).
    func handlePostHandshake(_ type: HandshakeType, body: [UInt8]) throws(TLSError)
}

/// A TLS 1.3 connection as a sans-I/O state machine: bytes from the network go in through
/// ``receive(_:)``, which returns events; bytes for the network come out of ``takeOutput()``.
/// No clock, no socket, no task: the caller does all I/O, as with the TCP control block.
///
/// Any error is fatal: the engine queues the alert the error maps to (``TLSError/alert``),
/// and every later call throws the same error. The caller sends the output and closes.
public struct TLSEngine<Role: HandshakeRole> {
    var records: RecordLayer
    var role: Role
    private var failure: TLSError?
    private var peerClosed = false
    private var sentCloseNotify = false

    init(role: Role, maximumHandshakeMessageSize: Int) {
        self.role = role
        self.records = RecordLayer(maximumHandshakeMessageSize: maximumHandshakeMessageSize)
    }

    /// Whether application data can be sent.
    public var isHandshakeComplete: Bool { role.isComplete }
    /// Whether the peer has sent close_notify.
    public var isPeerClosed: Bool { peerClosed }
    /// The error that ended the connection, if one did.
    public var error: TLSError? { failure }
    /// Whether there are bytes to send.
    public var hasOutput: Bool { !records.output.isEmpty }
    /// How many received bytes wait for the rest of their record.
    public var bufferedInputCount: Int { records.deframer.bufferedCount }
    /// The most application data bytes one record carries toward the peer.
    public var maximumFragmentLength: Int { records.maximumFragment }

    /// Bytes for the network, in order; the engine forgets them.
    public mutating func takeOutput() -> [UInt8] { records.takeOutput() }

    /// Takes bytes from the network and returns what they meant.
    public mutating func receive(_ bytes: [UInt8]) throws(TLSError) -> [TLSEvent] {
        if let failure { throw failure }
        records.deframer.append(bytes)
        var events: [TLSEvent] = []
        do {
            while !peerClosed, let next = try records.nextContent(acceptPlaintextAlert: role.acceptsPlaintextAlert) {
                try process(next.type, next.content, &events)
            }
        } catch {
            fail(error)
            throw error
        }
        return events
    }

    /// Queues application data for sending, in records of at most ``maximumFragmentLength``.
    public mutating func send(_ data: [UInt8]) throws(TLSError) {
        if let failure { throw failure }
        guard role.isComplete, !sentCloseNotify else { throw .closed }
        records.send(.applicationData, data)
    }

    /// Queues close_notify; nothing more can be sent.
    public mutating func close() {
        guard failure == nil, !sentCloseNotify else { return }
        sentCloseNotify = true
        records.sendAlert(Alert(.closeNotify))
    }

    /// Sends a KeyUpdate that asks the peer to update its keys too (§4.6.3), and moves this
    /// side's sending keys on.
    public mutating func updateKeys() throws(TLSError) {
        if let failure { throw failure }
        guard role.isComplete, !sentCloseNotify else { throw .closed }
        try sendKeyUpdate(requestingPeerUpdate: true)
    }

    /// Ends the connection with `error`'s alert.
    public mutating func abort(_ error: TLSError) {
        fail(error)
    }

    private mutating func fail(_ error: TLSError) {
        guard failure == nil else { return }
        failure = error
        if let alert = error.alert, !sentCloseNotify {
            records.sendAlert(Alert(alert))
        }
    }

    private mutating func sendKeyUpdate(requestingPeerUpdate: Bool) throws(TLSError) {
        guard let writer = records.writer else { throw .internalError("no keys") }
        records.sendHandshake(HandshakeMessage.frame(.keyUpdate, KeyUpdate(updateRequested: requestingPeerUpdate).encoded))
        records.writer = try writer.next()
    }

    private mutating func process(_ type: ContentType, _ content: [UInt8], _ events: inout [TLSEvent]) throws(TLSError) {
        switch type {
        case .changeCipherSpec:
            // Middlebox compatibility (§5): one byte, 1, unprotected, during the handshake.
            guard role.acceptsChangeCipherSpec, content == [1] else { throw .unexpectedMessage("ChangeCipherSpec") }
        case .alert:
            let alert = try Alert.parse(content)
            if alert.description == .closeNotify {
                peerClosed = true
                events.append(.peerClosed)
            } else if alert.isFatal {
                failure = .alertReceived(alert.description)
                throw TLSError.alertReceived(alert.description)
            }
        case .handshake:
            guard !content.isEmpty else { throw .unexpectedMessage("an empty handshake record") }
            try records.handshake.append(content)
            while let message = try records.handshake.next() {
                if role.isComplete {
                    try handlePostHandshake(message.type, body: message.body)
                } else {
                    try role.handle(message.type, body: message.body, raw: message.raw, records: &records)
                    if role.isComplete { events.append(.handshakeComplete) }
                }
            }
        case .applicationData:
            guard role.isComplete else { throw .unexpectedMessage("application data during the handshake") }
            // §5.1: handshake messages are not interleaved with other records.
            guard records.handshake.isEmpty else { throw .unexpectedMessage("application data inside a handshake message") }
            if !content.isEmpty { events.append(.applicationData(content)) }
        default:
            throw .unexpectedMessage("content type \(type.rawValue)")
        }
    }

    private mutating func handlePostHandshake(_ type: HandshakeType, body: [UInt8]) throws(TLSError) {
        switch type {
        case .keyUpdate:
            let update = try KeyUpdate.parse(body)
            guard let reader = records.reader else { throw .internalError("no keys") }
            try records.setReader(try reader.next())
            if update.updateRequested && !sentCloseNotify {
                try sendKeyUpdate(requestingPeerUpdate: false)
            }
        default:
            try role.handlePostHandshake(type, body: body)
        }
    }
}
