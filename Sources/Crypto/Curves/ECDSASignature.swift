/// An ECDSA signature: the integers r and s.
public struct ECDSASignature: Equatable, Sendable {
    /// r and s, big-endian without leading zero bytes.
    let r: [UInt8]
    let s: [UInt8]

    init(r: [UInt8], s: [UInt8]) {
        self.r = ECDSASignature.stripped(r)
        self.s = ECDSASignature.stripped(s)
    }

    /// The signature r || s, each half as wide (32 bytes for P-256, 48 for P-384).
    public init(rawRepresentation: [UInt8]) throws(CryptoError) {
        guard !rawRepresentation.isEmpty, rawRepresentation.count % 2 == 0, rawRepresentation.count <= 132 else {
            throw .invalidSignature
        }
        let half = rawRepresentation.count / 2
        self.init(r: Array(rawRepresentation[..<half]), s: Array(rawRepresentation[half...]))
    }

    /// The signature as DER, `SEQUENCE { INTEGER r, INTEGER s }` (X.509, TLS); strict: minimal
    /// lengths and integers, positive, nothing after.
    public init(derRepresentation der: [UInt8]) throws(CryptoError) {
        var reader = DERReader(der)
        guard let sequence = reader.read(tag: 0x30), reader.isAtEnd else { throw .invalidSignature }
        var fields = DERReader(sequence)
        guard let r = fields.readPositiveInteger(), let s = fields.readPositiveInteger(), fields.isAtEnd else {
            throw .invalidSignature
        }
        self.init(r: r, s: s)
    }

    /// r || s, each padded to the width of the wider (and at least 32 bytes; the curve's scalar
    /// width for signatures made here).
    public var rawRepresentation: [UInt8] {
        let width = max(32, r.count, s.count)
        let widths = [32, 48, 66]
        return raw(width: widths.first { $0 >= width } ?? width) ?? []
    }

    /// r || s, each `width` bytes; nil if one is wider.
    func raw(width: Int) -> [UInt8]? {
        guard r.count <= width, s.count <= width else { return nil }
        return [UInt8](repeating: 0, count: width - r.count) + r + [UInt8](repeating: 0, count: width - s.count) + s
    }

    /// `SEQUENCE { INTEGER r, INTEGER s }` in DER.
    public var derRepresentation: [UInt8] {
        let body = ECDSASignature.derInteger(r) + ECDSASignature.derInteger(s)
        return [0x30] + ECDSASignature.derLength(body.count) + body
    }

    private static func stripped(_ bytes: [UInt8]) -> [UInt8] {
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return [] }
        return Array(bytes[first...])
    }

    private static func derInteger(_ magnitude: [UInt8]) -> [UInt8] {
        // A zero is one zero byte; a set top bit needs a zero byte to stay positive.
        let content = magnitude.isEmpty ? [0] : (magnitude[0] & 0x80 != 0 ? [0] + magnitude : magnitude)
        return [0x02] + derLength(content.count) + content
    }

    private static func derLength(_ length: Int) -> [UInt8] {
        length < 0x80 ? [UInt8(length)] : (length < 0x100 ? [0x81, UInt8(length)] : [0x82, UInt8(length >> 8), UInt8(length & 0xff)])
    }
}

/// Just enough strict DER to read an ECDSA signature. Never traps: bad input gives nil.
struct DERReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    /// The contents of the next element if its tag is `tag`.
    mutating func read(tag: UInt8) -> [UInt8]? {
        guard position + 2 <= bytes.count, bytes[position] == tag else { return nil }
        var index = position + 1
        var length = Int(bytes[index])
        index += 1
        if length >= 0x80 {
            let count = length & 0x7f
            guard count >= 1, count <= 2, index + count <= bytes.count, bytes[index] != 0 else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
            guard length >= 0x80 else { return nil }  // long form only when needed
        }
        guard length <= bytes.count - index else { return nil }
        position = index + length
        return Array(bytes[index..<position])
    }

    /// A non-negative INTEGER in minimal form, without its sign byte.
    mutating func readPositiveInteger() -> [UInt8]? {
        guard let content = read(tag: 0x02), !content.isEmpty, content[0] & 0x80 == 0 else { return nil }
        if content.count > 1, content[0] == 0, content[1] & 0x80 == 0 { return nil }
        return content[0] == 0 ? Array(content.dropFirst()) : content
    }
}
