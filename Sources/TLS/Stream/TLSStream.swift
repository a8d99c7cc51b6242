import _Concurrency
import SwiftletDevices
import SwiftletRuntime

/// Either role's engine, so that server and client streams are one type (``NetworkStack``
/// wants `connect` to return the listener's connection type).
enum AnyRoleEngine {
    case server(TLSServerConnection)
    case client(TLSClientConnection)

    var isHandshakeComplete: Bool {
        switch self {
        case .server(let engine): engine.isHandshakeComplete
        case .client(let engine): engine.isHandshakeComplete
        }
    }

    var error: TLSError? {
        switch self {
        case .server(let engine): engine.error
        case .client(let engine): engine.error
        }
    }

    mutating func receive(_ bytes: [UInt8]) throws(TLSError) -> [TLSEvent] {
        switch self {
        case .server(var engine):
            defer { self = .server(engine) }
            return try engine.receive(bytes)
        case .client(var engine):
            defer { self = .client(engine) }
            return try engine.receive(bytes)
        }
    }

    mutating func send(_ bytes: [UInt8]) throws(TLSError) {
        switch self {
        case .server(var engine):
            defer { self = .server(engine) }
            try engine.send(bytes)
        case .client(var engine):
            defer { self = .client(engine) }
            try engine.send(bytes)
        }
    }

    mutating func close() {
        switch self {
        case .server(var engine):
            engine.close()
            self = .server(engine)
        case .client(var engine):
            engine.close()
            self = .client(engine)
        }
    }

    mutating func takeOutput() -> [UInt8] {
        switch self {
        case .server(var engine):
            let output = engine.takeOutput()
            self = .server(engine)
            return output
        case .client(var engine):
            let output = engine.takeOutput()
            self = .client(engine)
            return output
        }
    }
}

/// A TLS connection over any ``TCPConnection``: it does the handshake on first use (read or
/// write), then encrypts writes and decrypts reads, so code written for a plain connection
/// (the HTTP server) runs over TLS unchanged.
///
/// A TLS error sends its alert, closes the connection and surfaces as
/// ``NetError/connectionReset``; ``tlsError`` says what it was.
public final class TLSStream<Base: TCPConnection>: TCPConnection {
    /// The connection TLS runs over.
    public let base: Base
    private var engine: AnyRoleEngine
    private var plaintext: [UInt8] = []
    private var plaintextStart = 0
    private var peerClosed = false
    private var isClosed = false
    private let log = Logger(source: "tls")

    /// A server-side stream that waits for the client's hello.
    public init(serving base: Base, configuration: TLSServerConfiguration) {
        self.base = base
        self.engine = .server(TLSServerConnection(configuration: configuration))
    }

    /// A client-side stream; its hello goes out on first use.
    public init(connectingOver base: Base, configuration: TLSClientConfiguration) throws(TLSError) {
        self.base = base
        self.engine = .client(try TLSClientConnection(configuration: configuration))
    }

    public var localEndpoint: IPv4Endpoint { base.localEndpoint }
    public var remoteEndpoint: IPv4Endpoint { base.remoteEndpoint }

    /// What ended the connection, if TLS did.
    public var tlsError: TLSError? { engine.error }

    /// What the server's handshake agreed on (nil on a client or before the handshake).
    public var serverNegotiated: ServerHandshake.Negotiated? {
        if case .server(let engine) = engine { return engine.negotiated }
        return nil
    }

    /// What the client's handshake agreed on (nil on a server or before the handshake).
    public var clientNegotiated: ClientHandshake.Negotiated? {
        if case .client(let engine) = engine { return engine.negotiated }
        return nil
    }

    /// Runs the handshake to its end, if it has not run yet.
    public func handshake() async throws(NetError) {
        while !engine.isHandshakeComplete {
            try await flush()
            guard !isClosed, let bytes = try await base.read(maxLength: TLSStream.readSize) else {
                throw .connectionReset
            }
            try await take(bytes)
            if peerClosed { throw .connectionReset }
        }
        try await flush()
    }

    /// One protected record at most: the bound on what a read holds.
    static var readSize: Int { 5 + RecordDeframer.maximumCiphertextLength }

    public func read(maxLength: Int) async throws(NetError) -> [UInt8]? {
        try await handshake()
        while plaintextStart == plaintext.count && !peerClosed {
            try await flush()   // a KeyUpdate's answer
            guard !isClosed, let bytes = try await base.read(maxLength: TLSStream.readSize) else {
                // The peer closed TCP without close_notify: end of data all the same (the
                // HTTP framing says whether a response was cut short).
                peerClosed = true
                break
            }
            try await take(bytes)
        }
        guard plaintextStart < plaintext.count else { return nil }
        let end = min(plaintext.count, plaintextStart + max(1, maxLength))
        let bytes = Array(plaintext[plaintextStart..<end])
        plaintextStart = end
        if plaintextStart == plaintext.count {
            plaintext.removeAll(keepingCapacity: true)
            plaintextStart = 0
        }
        return bytes
    }

    public func write(_ bytes: [UInt8]) async throws(NetError) {
        try await handshake()
        do {
            try engine.send(bytes)
        } catch {
            throw .closed
        }
        try await flush()
    }

    public func closeWrite() async throws(NetError) {
        engine.close()
        try await flush()
        try await base.closeWrite()
    }

    public func close() async {
        guard !isClosed else { return }
        isClosed = true
        if engine.isHandshakeComplete && engine.error == nil {
            engine.close()
            try? await flush()
        }
        await base.close()
    }

    private func flush() async throws(NetError) {
        let output = engine.takeOutput()
        if !output.isEmpty { try await base.write(output) }
    }

    private func take(_ bytes: [UInt8]) async throws(NetError) {
        let events: [TLSEvent]
        do {
            events = try engine.receive(bytes)
        } catch {
            log.debug("\(base.remoteEndpoint): \(error)")
            try? await flush()   // the alert
            await close()
            throw .connectionReset
        }
        for event in events {
            switch event {
            case .applicationData(let data): plaintext += data
            case .peerClosed: peerClosed = true
            case .handshakeComplete: break
            }
        }
    }
}
