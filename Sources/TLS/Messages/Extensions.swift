/// One extension, kept as its type and raw body so that a message re-encodes byte for byte.
public struct Extension: Equatable, Sendable {
    public var type: ExtensionType
    public var data: [UInt8]

    public init(type: ExtensionType, data: [UInt8]) {
        self.type = type
        self.data = data
    }
}

/// A key share: a group and a public value (§4.2.8).
public struct KeyShareEntry: Equatable, Sendable {
    public var group: NamedGroup
    public var keyExchange: [UInt8]

    public init(group: NamedGroup, keyExchange: [UInt8]) {
        self.group = group
        self.keyExchange = keyExchange
    }

    static func parse(_ reader: inout WireReader) throws(TLSError) -> KeyShareEntry {
        let group = NamedGroup(rawValue: try reader.readUInt16())
        let key = try reader.readOpaque(lengthBytes: 2, 1...0xFFFF)
        return KeyShareEntry(group: group, keyExchange: key)
    }

    func encode(into writer: inout WireWriter) {
        writer.writeUInt16(group.rawValue)
        writer.writeOpaque(lengthBytes: 2, keyExchange)
    }
}

/// The extensions of one message, in their order, with a decoder for each one Swiftlet reads
/// and a builder for each one it sends. Decoders return `nil` when the extension is absent and
/// throw `decode_error` when it is malformed.
public struct Extensions: Equatable, Sendable {
    public var all: [Extension]

    public init(_ all: [Extension] = []) { self.all = all }

    static func parse(_ reader: inout WireReader) throws(TLSError) -> Extensions {
        var block = try reader.readVector(lengthBytes: 2, 0...0xFFFF)
        var all: [Extension] = []
        while !block.isAtEnd {
            let type = ExtensionType(rawValue: try block.readUInt16())
            let data = try block.readOpaque(lengthBytes: 2, 0...0xFFFF)
            // §4.2: no two extensions of the same type.
            guard !all.contains(where: { $0.type == type }) else {
                throw .illegalParameter("extension \(type.rawValue) appears twice")
            }
            all.append(Extension(type: type, data: data))
        }
        return Extensions(all)
    }

    func encode(into writer: inout WireWriter) {
        writer.writeVector(lengthBytes: 2) { writer in
            for item in all {
                writer.writeUInt16(item.type.rawValue)
                writer.writeOpaque(lengthBytes: 2, item.data)
            }
        }
    }

    public subscript(type: ExtensionType) -> [UInt8]? {
        all.first(where: { $0.type == type })?.data
    }

    public func contains(_ type: ExtensionType) -> Bool { all.contains(where: { $0.type == type }) }

    mutating func append(_ type: ExtensionType, _ body: (inout WireWriter) -> Void) {
        var writer = WireWriter()
        body(&writer)
        all.append(Extension(type: type, data: writer.bytes))
    }

    /// Runs `decode` over the body of extension `type`, which it must consume exactly.
    private func decode<T>(_ type: ExtensionType, _ decode: (inout WireReader) throws(TLSError) -> T) throws(TLSError) -> T? {
        guard let data = self[type] else { return nil }
        var reader = WireReader(data)
        let value = try decode(&reader)
        try reader.expectEnd()
        return value
    }

    // MARK: Decoders

    /// `server_name`: the `host_name` entry (RFC 6066 §3), or an empty string for the empty
    /// acknowledgement a server sends.
    public func serverName() throws(TLSError) -> String? {
        try decode(.serverName) { reader throws(TLSError) in
            if reader.isAtEnd { return "" }
            var list = try reader.readVector(lengthBytes: 2, 1...0xFFFF)
            var name: String?
            while !list.isAtEnd {
                let type = try list.readUInt8()
                let bytes = try list.readOpaque(lengthBytes: 2, 1...0xFFFF)
                if type == 0 {
                    guard name == nil else { throw .illegalParameter("two host names") }
                    guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw .decodeError("host name is not ASCII") }
                    name = String(decoding: bytes, as: UTF8.self)
                }
            }
            return name ?? ""
        }
    }

    /// `supported_versions` in a ClientHello.
    public func offeredVersions() throws(TLSError) -> [ProtocolVersion]? {
        try decode(.supportedVersions) { reader throws(TLSError) in
            var block = try reader.readVector(lengthBytes: 1, 2...254)
            guard block.remaining % 2 == 0 else { throw .decodeError("odd supported_versions") }
            var versions: [ProtocolVersion] = []
            while !block.isAtEnd { versions.append(ProtocolVersion(rawValue: try block.readUInt16())) }
            return versions
        }
    }

    /// `supported_versions` in a ServerHello or HelloRetryRequest.
    public func selectedVersion() throws(TLSError) -> ProtocolVersion? {
        try decode(.supportedVersions) { reader throws(TLSError) in ProtocolVersion(rawValue: try reader.readUInt16()) }
    }

    public func supportedGroups() throws(TLSError) -> [NamedGroup]? {
        try decode(.supportedGroups) { reader throws(TLSError) in
            try reader.readUInt16List(lengthBytes: 2, 2...0xFFFF).map { NamedGroup(rawValue: $0) }
        }
    }

    public func signatureAlgorithms() throws(TLSError) -> [SignatureScheme]? {
        try decode(.signatureAlgorithms) { reader throws(TLSError) in
            try reader.readUInt16List(lengthBytes: 2, 2...0xFFFE).map { SignatureScheme(rawValue: $0) }
        }
    }

    /// `key_share` in a ClientHello: the client's shares.
    public func clientKeyShares() throws(TLSError) -> [KeyShareEntry]? {
        try decode(.keyShare) { reader throws(TLSError) in
            var block = try reader.readVector(lengthBytes: 2, 0...0xFFFF)
            var shares: [KeyShareEntry] = []
            while !block.isAtEnd {
                let share = try KeyShareEntry.parse(&block)
                // §4.2.8: at most one share per group.
                guard !shares.contains(where: { $0.group == share.group }) else {
                    throw .illegalParameter("two key shares for one group")
                }
                shares.append(share)
            }
            return shares
        }
    }

    /// `key_share` in a ServerHello: the server's share.
    public func serverKeyShare() throws(TLSError) -> KeyShareEntry? {
        try decode(.keyShare) { reader throws(TLSError) in try KeyShareEntry.parse(&reader) }
    }

    /// `key_share` in a HelloRetryRequest: the group the server asks for.
    public func selectedGroup() throws(TLSError) -> NamedGroup? {
        try decode(.keyShare) { reader throws(TLSError) in NamedGroup(rawValue: try reader.readUInt16()) }
    }

    /// `application_layer_protocol_negotiation` (RFC 7301): the protocol names.
    public func applicationProtocols() throws(TLSError) -> [[UInt8]]? {
        try decode(.applicationLayerProtocolNegotiation) { reader throws(TLSError) in
            var block = try reader.readVector(lengthBytes: 2, 2...0xFFFF)
            var names: [[UInt8]] = []
            while !block.isAtEnd { names.append(try block.readOpaque(lengthBytes: 1, 1...255)) }
            return names
        }
    }

    /// `record_size_limit` (RFC 8449).
    public func recordSizeLimit() throws(TLSError) -> Int? {
        try decode(.recordSizeLimit) { reader throws(TLSError) in
            let limit = Int(try reader.readUInt16())
            guard limit >= 64 else { throw .illegalParameter("record_size_limit below 64") }
            return limit
        }
    }

    public func cookie() throws(TLSError) -> [UInt8]? {
        try decode(.cookie) { reader throws(TLSError) in try reader.readOpaque(lengthBytes: 2, 1...0xFFFF) }
    }

    // MARK: Builders

    public mutating func appendServerName(_ name: String) {
        append(.serverName) { writer in
            writer.writeVector(lengthBytes: 2) { writer in
                writer.writeUInt8(0)
                writer.writeOpaque(lengthBytes: 2, Array(name.utf8))
            }
        }
    }

    /// The empty `server_name` a server sends to say it used the name.
    public mutating func appendServerNameAcknowledgement() {
        all.append(Extension(type: .serverName, data: []))
    }

    public mutating func appendOfferedVersions(_ versions: [ProtocolVersion]) {
        append(.supportedVersions) { writer in
            writer.writeVector(lengthBytes: 1) { writer in
                for version in versions { writer.writeUInt16(version.rawValue) }
            }
        }
    }

    public mutating func appendSelectedVersion(_ version: ProtocolVersion) {
        append(.supportedVersions) { $0.writeUInt16(version.rawValue) }
    }

    public mutating func appendSupportedGroups(_ groups: [NamedGroup]) {
        append(.supportedGroups) { $0.writeUInt16List(lengthBytes: 2, groups.map { $0.rawValue }) }
    }

    public mutating func appendSignatureAlgorithms(_ schemes: [SignatureScheme], type: ExtensionType = .signatureAlgorithms) {
        append(type) { $0.writeUInt16List(lengthBytes: 2, schemes.map { $0.rawValue }) }
    }

    public mutating func appendClientKeyShares(_ shares: [KeyShareEntry]) {
        append(.keyShare) { writer in
            writer.writeVector(lengthBytes: 2) { writer in
                for share in shares { share.encode(into: &writer) }
            }
        }
    }

    public mutating func appendServerKeyShare(_ share: KeyShareEntry) {
        append(.keyShare) { share.encode(into: &$0) }
    }

    public mutating func appendSelectedGroup(_ group: NamedGroup) {
        append(.keyShare) { $0.writeUInt16(group.rawValue) }
    }

    public mutating func appendApplicationProtocols(_ names: [[UInt8]]) {
        append(.applicationLayerProtocolNegotiation) { writer in
            writer.writeVector(lengthBytes: 2) { writer in
                for name in names { writer.writeOpaque(lengthBytes: 1, name) }
            }
        }
    }

    public mutating func appendRecordSizeLimit(_ limit: Int) {
        append(.recordSizeLimit) { $0.writeUInt16(UInt16(clamping: limit)) }
    }

    public mutating func appendCookie(_ cookie: [UInt8]) {
        append(.cookie) { $0.writeOpaque(lengthBytes: 2, cookie) }
    }

    /// `psk_key_exchange_modes` with `psk_dhe_ke` only.
    public mutating func appendPSKModes() {
        append(.pskKeyExchangeModes) { $0.writeOpaque(lengthBytes: 1, [1]) }
    }
}
