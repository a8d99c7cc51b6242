/// A domain name: a sequence of labels, compared without regard to ASCII case (RFC 4343).
///
/// ```swift
/// let name = DNSName("www.Example.com")!
/// name == DNSName("WWW.example.com.")   // true
/// print(name)                           // www.Example.com
/// ```
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// The labels, most specific first, without the root's empty label.
    public private(set) var labels: [[UInt8]]

    /// The longest name on the wire, length bytes and the root's zero included (RFC 1035 §2.3.4).
    public static let maximumWireLength = 255
    /// The longest label.
    public static let maximumLabelLength = 63
    /// How many compression pointers one name may follow: more means a loop or an attack.
    static let maximumPointers = 32

    /// A name from its labels; `nil` if a label is empty or too long, or the name too long.
    public init?(labels: [[UInt8]]) {
        var length = 1
        for label in labels {
            guard !label.isEmpty, label.count <= Self.maximumLabelLength else { return nil }
            length += 1 + label.count
        }
        guard length <= Self.maximumWireLength else { return nil }
        self.labels = labels
    }

    /// Parses dotted text (`example.com`, with or without the final dot); `nil` for empty
    /// labels or a name too long. Bytes are kept as they are: no escapes, no IDNA.
    public init?(_ text: String) {
        var labels: [[UInt8]] = []
        var current: [UInt8] = []
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        if bytes == [UInt8(ascii: ".")] {
            self.init(labels: [])
            return
        }
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: ".") {
                guard !current.isEmpty else { return nil }
                labels.append(current)
                current = []
                if index == bytes.count - 1 { break }
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { labels.append(current) }
        self.init(labels: labels)
    }

    /// The length on the wire, uncompressed.
    public var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.count } }

    public var description: String {
        labels.isEmpty ? "." : labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.labels.count == rhs.labels.count else { return false }
        for (a, b) in zip(lhs.labels, rhs.labels) {
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where lowercased(x) != lowercased(y) { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(labels.count)
        for label in labels {
            hasher.combine(label.count)
            for byte in label { hasher.combine(Self.lowercased(byte)) }
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    /// Reads a name at `offset` of `message` (absolute indices of the slice, which must be the
    /// whole message, since pointers count from its start) and moves `offset` past it.
    ///
    /// Compression pointers (RFC 1035 §4.1.4) must point strictly before where the labels being
    /// read began (the name itself, or the previous pointer's target), so each jump goes further
    /// back and a name cannot loop; at most ``maximumPointers`` are followed; the whole name must
    /// fit in 255 bytes.
    static func parse(_ message: ArraySlice<UInt8>, at offset: inout Int) throws(DNSWireError) -> DNSName {
        let base = message.startIndex
        var position = offset
        var segmentStart = offset
        var resume: Int? = nil
        var pointers = 0
        var length = 1
        var labels: [[UInt8]] = []
        while true {
            guard position < message.endIndex else { throw .truncated }
            let byte = message[position]
            switch byte & 0xC0 {
            case 0x00:
                if byte == 0 {
                    offset = resume ?? position + 1
                    return DNSName(unchecked: labels)
                }
                let count = Int(byte)
                guard message.endIndex - (position + 1) >= count else { throw .truncated }
                length += 1 + count
                guard length <= maximumWireLength else { throw .nameTooLong }
                labels.append(Array(message[(position + 1)..<(position + 1 + count)]))
                position += 1 + count
            case 0xC0:
                guard message.endIndex - position >= 2 else { throw .truncated }
                let target = base + (Int(byte & 0x3F) << 8 | Int(message[position + 1]))
                guard target < segmentStart else { throw .badPointer }
                segmentStart = target
                pointers += 1
                guard pointers <= maximumPointers else { throw .nameTooLong }
                if resume == nil { resume = position + 2 }
                position = target
            default:
                throw .badLabel
            }
        }
    }

    private init(unchecked labels: [[UInt8]]) { self.labels = labels }

    /// Appends the name uncompressed.
    func emit(into buffer: inout [UInt8]) {
        for label in labels {
            buffer.append(UInt8(truncatingIfNeeded: label.count))
            buffer.append(contentsOf: label)
        }
        buffer.append(0)
    }
}
