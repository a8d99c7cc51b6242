/// ClientHello (§4.1.2).
public struct ClientHello: Equatable, Sendable {
    public var legacyVersion: UInt16 = 0x0303
    public var random: [UInt8]
    public var legacySessionID: [UInt8]
    /// Raw suite values: a client may offer suites this side does not know.
    public var cipherSuites: [CipherSuite]
    public var legacyCompressionMethods: [UInt8] = [0]
    public var extensions: Extensions

    public init(random: [UInt8], legacySessionID: [UInt8], cipherSuites: [CipherSuite], extensions: Extensions) {
        self.random = random
        self.legacySessionID = legacySessionID
        self.cipherSuites = cipherSuites
        self.extensions = extensions
    }

    public static func parse(_ body: [UInt8]) throws(TLSError) -> ClientHello {
        var reader = WireReader(body)
        let version = try reader.readUInt16()
        let random = try reader.readBytes(32)
        let sessionID = try reader.readOpaque(lengthBytes: 1, 0...32)
        let suites = try reader.readUInt16List(lengthBytes: 2, 2...0xFFFE)
        let compression = try reader.readOpaque(lengthBytes: 1, 1...255)
        // A ClientHello of SSL 3.0 may end here; TLS 1.3 needs extensions, and says so later.
        let extensions = reader.isAtEnd ? Extensions() : try Extensions.parse(&reader)
        try reader.expectEnd()
        var hello = ClientHello(random: random, legacySessionID: sessionID,
                                cipherSuites: suites.map { CipherSuite(rawValue: $0) }, extensions: extensions)
        hello.legacyVersion = version
        hello.legacyCompressionMethods = compression
        return hello
    }

    public var encoded: [UInt8] {
        var writer = WireWriter()
        writer.writeUInt16(legacyVersion)
        writer.writeBytes(random)
        writer.writeOpaque(lengthBytes: 1, legacySessionID)
        writer.writeUInt16List(lengthBytes: 2, cipherSuites.map { $0.rawValue })
        writer.writeOpaque(lengthBytes: 1, legacyCompressionMethods)
        extensions.encode(into: &writer)
        return writer.bytes
    }
}

/// ServerHello (§4.1.3), which is a HelloRetryRequest when its random is the special value.
public struct ServerHello: Equatable, Sendable {
    /// SHA-256 of "HelloRetryRequest": the random of every HelloRetryRequest.
    public static let helloRetryRequestRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    public var legacyVersion: UInt16 = 0x0303
    public var random: [UInt8]
    public var legacySessionIDEcho: [UInt8]
    public var cipherSuite: CipherSuite
    public var legacyCompressionMethod: UInt8 = 0
    public var extensions: Extensions

    public init(random: [UInt8], legacySessionIDEcho: [UInt8], cipherSuite: CipherSuite, extensions: Extensions) {
        self.random = random
        self.legacySessionIDEcho = legacySessionIDEcho
        self.cipherSuite = cipherSuite
        self.extensions = extensions
    }

    public var isHelloRetryRequest: Bool { random == ServerHello.helloRetryRequestRandom }

    public static func parse(_ body: [UInt8]) throws(TLSError) -> ServerHello {
        var reader = WireReader(body)
        let version = try reader.readUInt16()
        let random = try reader.readBytes(32)
        let sessionID = try reader.readOpaque(lengthBytes: 1, 0...32)
        let suite = CipherSuite(rawValue: try reader.readUInt16())
        let compression = try reader.readUInt8()
        let extensions = reader.isAtEnd ? Extensions() : try Extensions.parse(&reader)
        try reader.expectEnd()
        var hello = ServerHello(random: random, legacySessionIDEcho: sessionID, cipherSuite: suite, extensions: extensions)
        hello.legacyVersion = version
        hello.legacyCompressionMethod = compression
        return hello
    }

    public var encoded: [UInt8] {
        var writer = WireWriter()
        writer.writeUInt16(legacyVersion)
        writer.writeBytes(random)
        writer.writeOpaque(lengthBytes: 1, legacySessionIDEcho)
        writer.writeUInt16(cipherSuite.rawValue)
        writer.writeUInt8(legacyCompressionMethod)
        extensions.encode(into: &writer)
        return writer.bytes
    }
}

/// EncryptedExtensions (§4.3.1).
public struct EncryptedExtensions: Equatable, Sendable {
    public var extensions: Extensions

    public init(extensions: Extensions) { self.extensions = extensions }

    public static func parse(_ body: [UInt8]) throws(TLSError) -> EncryptedExtensions {
        var reader = WireReader(body)
        let extensions = try Extensions.parse(&reader)
        try reader.expectEnd()
        return EncryptedExtensions(extensions: extensions)
    }

    public var encoded: [UInt8] {
        var writer = WireWriter()
        extensions.encode(into: &writer)
        return writer.bytes
    }
}
