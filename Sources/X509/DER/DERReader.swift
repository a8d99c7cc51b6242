import SwiftletDevices

/// One DER element: its tag, its content octets, and its whole encoding (tag, length, content).
public struct DERElement: Sendable {
    public let tag: UInt8
    public let content: ArraySlice<UInt8>
    /// The element as it was encoded, for signatures (a certificate's `tbsCertificate`) and for
    /// comparing encodings byte for byte.
    public let encoded: ArraySlice<UInt8>
}

/// A bounds-checked reader of DER (X.690 §10): definite, minimal lengths only, single-byte tags,
/// nesting limited to `maximumDepth`. It never traps: malformed input throws `DERError`.
///
/// ```swift
/// var outer = DERReader(bytes)
/// var certificate = try outer.readSequence()
/// let tbs = try certificate.readElement(tag: DERTag.sequence)
/// try outer.finish()
/// ```
public struct DERReader: Sendable {
    /// The deepest nesting a reader descends to. X.509 needs about ten.
    public static let maximumDepth = 32
    /// The longest element accepted (16 MiB): anything larger is not a certificate or a key.
    public static let maximumLength = 1 << 24

    private let bytes: ArraySlice<UInt8>
    private var position: Int
    /// How many constructed elements enclose this reader's bytes.
    public let depth: Int

    /// A reader over `bytes`, at depth 0.
    public init(_ bytes: ArraySlice<UInt8>) {
        self.init(bytes, depth: 0)
    }

    /// A reader over `bytes`, at depth 0.
    public init(_ bytes: [UInt8]) {
        self.init(bytes[...], depth: 0)
    }

    init(_ bytes: ArraySlice<UInt8>, depth: Int) {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.depth = depth
    }

    /// Whether every element has been read.
    public var isAtEnd: Bool { position >= bytes.endIndex }

    /// The tag of the next element, without reading it.
    public var nextTag: UInt8? { isAtEnd ? nil : bytes[position] }

    /// Throws `trailingData` unless every element has been read.
    public func finish() throws(DERError) {
        if !isAtEnd { throw .trailingData }
    }

    /// Reads the next element, whatever its tag.
    public mutating func readElement() throws(DERError) -> DERElement {
        let start = position
        guard start < bytes.endIndex else { throw .truncated }
        let tag = bytes[start]
        if tag & 0x1F == 0x1F { throw .unexpectedTag }  // high tag number form
        var index = start + 1
        guard index < bytes.endIndex else { throw .truncated }
        let first = bytes[index]
        index += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            // 0x80 is the indefinite form, which DER forbids; more than 3 octets exceeds our limit.
            guard count >= 1, count <= 3 else { throw .invalidLength }
            guard bytes.endIndex - index >= count else { throw .truncated }
            guard bytes[index] != 0 else { throw .invalidLength }  // leading zero octet: not minimal
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
            guard length >= 0x80 else { throw .invalidLength }  // fits the short form: not minimal
            guard length <= DERReader.maximumLength else { throw .invalidLength }
        }
        guard bytes.endIndex - index >= length else { throw .truncated }
        position = index + length
        return DERElement(tag: tag, content: bytes[index..<(index + length)], encoded: bytes[start..<(index + length)])
    }

    /// Reads the next element, which must have tag `tag`.
    public mutating func readElement(tag: UInt8) throws(DERError) -> DERElement {
        guard nextTag == tag else { throw isAtEnd ? .truncated : .unexpectedTag }
        return try readElement()
    }

    /// Reads the next element if it has tag `tag` (for OPTIONAL and DEFAULT fields).
    public mutating func readOptionalElement(tag: UInt8) throws(DERError) -> DERElement? {
        guard nextTag == tag else { return nil }
        return try readElement()
    }

    /// A reader over the content of `element`, one level deeper than this one.
    public func reader(into element: DERElement) throws(DERError) -> DERReader {
        guard DERTag.isConstructed(element.tag) else { throw .unexpectedTag }
        guard depth + 1 <= DERReader.maximumDepth else { throw .tooDeep }
        return DERReader(element.content, depth: depth + 1)
    }

    /// Reads a constructed element with tag `tag` and returns a reader over its content.
    public mutating func readConstructed(tag: UInt8) throws(DERError) -> DERReader {
        let element = try readElement(tag: tag)
        return try reader(into: element)
    }

    /// Reads a SEQUENCE and returns a reader over its content.
    public mutating func readSequence() throws(DERError) -> DERReader {
        try readConstructed(tag: DERTag.sequence)
    }

    /// Reads a SET and returns a reader over its content.
    public mutating func readSet() throws(DERError) -> DERReader {
        try readConstructed(tag: DERTag.set)
    }

    /// Reads an EXPLICIT `[number]` if present and returns a reader over its content.
    public mutating func readOptionalExplicit(_ number: UInt8) throws(DERError) -> DERReader? {
        guard let element = try readOptionalElement(tag: DERTag.context(number, constructed: true)) else { return nil }
        return try reader(into: element)
    }
}

extension DERReader {
    /// Reads an INTEGER (or an IMPLICIT one with tag `tag`) and returns its two's-complement
    /// content octets, checked to be minimal.
    public mutating func readIntegerBytes(tag: UInt8 = DERTag.integer) throws(DERError) -> ArraySlice<UInt8> {
        let content = try readElement(tag: tag).content
        try DERReader.checkInteger(content)
        return content
    }

    static func checkInteger(_ content: ArraySlice<UInt8>) throws(DERError) {
        guard let first = content.first else { throw .invalidValue("empty INTEGER") }
        if content.count > 1 {
            let second = content[content.startIndex + 1]
            if (first == 0x00 && second & 0x80 == 0) || (first == 0xFF && second & 0x80 != 0) {
                throw .invalidValue("INTEGER not minimally encoded")
            }
        }
    }

    /// Reads a non-negative INTEGER and returns its magnitude, big-endian, without sign octet
    /// (`[0]` for zero).
    public mutating func readUnsignedInteger(tag: UInt8 = DERTag.integer) throws(DERError) -> ArraySlice<UInt8> {
        let content = try readIntegerBytes(tag: tag)
        guard content.first! & 0x80 == 0 else { throw .invalidValue("negative INTEGER") }
        if content.count > 1 && content.first == 0 { return content.dropFirst() }
        return content
    }

    /// Reads a non-negative INTEGER that fits in an `Int` (versions, path lengths, salt lengths).
    public mutating func readSmallInteger(tag: UInt8 = DERTag.integer) throws(DERError) -> Int {
        let magnitude = try readUnsignedInteger(tag: tag)
        guard magnitude.count <= 4 else { throw .unsupported("INTEGER too large") }
        var value = 0
        for byte in magnitude { value = value << 8 | Int(byte) }
        return value
    }

    /// Reads a BOOLEAN: DER allows only 0x00 and 0xFF.
    public mutating func readBoolean() throws(DERError) -> Bool {
        let content = try readElement(tag: DERTag.boolean).content
        guard content.count == 1 else { throw .invalidValue("BOOLEAN of wrong length") }
        switch content.first! {
        case 0x00: return false
        case 0xFF: return true
        default: throw .invalidValue("BOOLEAN neither 0x00 nor 0xFF")
        }
    }

    /// Reads a NULL.
    public mutating func readNull() throws(DERError) {
        guard try readElement(tag: DERTag.null).content.isEmpty else { throw .invalidValue("NULL with content") }
    }

    /// Reads a BIT STRING (or an IMPLICIT one) and returns its octets and how many bits of the
    /// last octet are unused (which DER requires to be zero).
    public mutating func readBitString(tag: UInt8 = DERTag.bitString) throws(DERError) -> (bytes: ArraySlice<UInt8>, unusedBits: Int) {
        let content = try readElement(tag: tag).content
        guard let first = content.first else { throw .invalidValue("empty BIT STRING") }
        let unused = Int(first)
        let data = content.dropFirst()
        guard unused <= 7, !(data.isEmpty && unused != 0) else { throw .invalidValue("BIT STRING padding") }
        if let last = data.last, last & UInt8(truncatingIfNeeded: (1 << unused) - 1) != 0 {
            throw .invalidValue("BIT STRING padding bits not zero")
        }
        return (data, unused)
    }

    /// Reads a BIT STRING that holds whole octets (keys, signatures).
    public mutating func readOctetAlignedBitString() throws(DERError) -> ArraySlice<UInt8> {
        let (data, unused) = try readBitString()
        guard unused == 0 else { throw .invalidValue("BIT STRING not octet-aligned") }
        return data
    }

    /// Reads an OCTET STRING (or an IMPLICIT one).
    public mutating func readOctetString(tag: UInt8 = DERTag.octetString) throws(DERError) -> ArraySlice<UInt8> {
        try readElement(tag: tag).content
    }

    /// Reads an OBJECT IDENTIFIER.
    public mutating func readObjectIdentifier() throws(DERError) -> ASN1ObjectIdentifier {
        try ASN1ObjectIdentifier(content: readElement(tag: DERTag.objectIdentifier).content)
    }

    /// Reads a UTF8String, PrintableString or IA5String, checked against its character set.
    public mutating func readString() throws(DERError) -> String {
        let element = try readElement()
        return try DERString.decode(tag: element.tag, content: element.content)
    }

    /// Reads a UTCTime or GeneralizedTime in the forms RFC 5280 allows.
    public mutating func readTime() throws(DERError) -> WallClockTime {
        let element = try readElement()
        return try DERTime.decode(tag: element.tag, content: element.content)
    }
}
