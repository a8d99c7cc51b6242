/// Why text is not PEM (RFC 7468).
public enum PEMError: Error, Equatable, Sendable {
    /// No `-----BEGIN label-----` line.
    case noBlock
    /// A BEGIN line without its END line, or an END line with another label.
    case unterminated
    /// Characters in a block that are not Base64, or Base64 that does not decode.
    case invalidBase64
    /// A label other than the one asked for.
    case unexpectedLabel(String)
    /// Text outside the blocks that is not whitespace.
    case garbage
}

/// One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, `EC PRIVATE KEY`,
/// `CERTIFICATE REQUEST`, ...) and the DER it holds.
public struct PEMBlock: Equatable, Sendable {
    public var label: String
    public var der: [UInt8]

    public init(label: String, der: [UInt8]) {
        self.label = label
        self.der = der
    }

    /// The block as text: BEGIN line, Base64 in 64-character lines, END line, each ending in `\n`.
    public var pemText: String {
        var out: [UInt8] = Array("-----BEGIN ".utf8) + Array(label.utf8) + Array("-----\n".utf8)
        let encoded = Base64.encode(der)
        var index = 0
        while index < encoded.count {
            let end = min(index + 64, encoded.count)
            out.append(contentsOf: encoded[index..<end])
            out.append(UInt8(ascii: "\n"))
            index = end
        }
        out.append(contentsOf: Array("-----END ".utf8) + Array(label.utf8) + Array("-----\n".utf8))
        return String(decoding: out, as: UTF8.self)
    }
}

/// PEM files: any number of blocks, with only whitespace between them (RFC 7468's strict form,
/// except that explanatory text before the first block is rejected too, as `garbage`).
public enum PEM {
    /// Every block of `text`, in order.
    public static func parse(_ text: String) throws(PEMError) -> [PEMBlock] {
        try parse(bytes: Array(text.utf8))
    }

    /// Every block of `bytes` (PEM text as UTF-8), in order.
    public static func parse(bytes: [UInt8]) throws(PEMError) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var lines = Lines(bytes)
        while let line = lines.next() {
            let trimmed = trimmingWhitespace(line)
            if trimmed.isEmpty { continue }
            guard let label = boundaryLabel(trimmed, kind: "BEGIN") else { throw .garbage }
            var body: [UInt8] = []
            var ended = false
            while let inner = lines.next() {
                let content = trimmingWhitespace(inner)
                if let end = boundaryLabel(content, kind: "END") {
                    guard end.elementsEqual(label) else { throw .unterminated }
                    ended = true
                    break
                }
                // RFC 1421 headers (Proc-Type: ...) mark encrypted keys, which we do not read.
                if content.contains(UInt8(ascii: ":")) || content.contains(UInt8(ascii: "-")) { throw .invalidBase64 }
                body.append(contentsOf: content)
            }
            guard ended else { throw .unterminated }
            guard let der = Base64.decode(body), !der.isEmpty else { throw .invalidBase64 }
            blocks.append(PEMBlock(label: String(decoding: label, as: UTF8.self), der: der))
        }
        guard !blocks.isEmpty else { throw .noBlock }
        return blocks
    }

    /// The DER of every block labelled `label` (a chain file's certificates, say); other labels
    /// are an error.
    public static func parse(_ text: String, expecting label: String) throws(PEMError) -> [[UInt8]] {
        var ders: [[UInt8]] = []
        for block in try parse(text) {
            guard block.label == label else { throw .unexpectedLabel(block.label) }
            ders.append(block.der)
        }
        return ders
    }

    /// `der` as one PEM block labelled `label`.
    public static func encode(_ der: [UInt8], label: String) -> String {
        PEMBlock(label: label, der: der).pemText
    }

    /// `-----BEGIN label-----` (or END): the label, if `line` is such a boundary.
    private static func boundaryLabel(_ line: ArraySlice<UInt8>, kind: StaticString) -> ArraySlice<UInt8>? {
        let dashes = Array("-----".utf8)
        var prefix = dashes
        kind.withUTF8Buffer { prefix.append(contentsOf: $0) }
        prefix.append(UInt8(ascii: " "))
        guard line.count >= prefix.count + dashes.count, line.starts(with: prefix),
              line.suffix(dashes.count).elementsEqual(dashes) else { return nil }
        let label = line.dropFirst(prefix.count).dropLast(dashes.count)
        // Labels are printable ASCII without hyphens at the ends (RFC 7468 §3).
        guard !label.isEmpty, label.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }),
              label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return nil }
        return label
    }

    private static func trimmingWhitespace(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        var trimmed = line
        while let first = trimmed.first, isSpace(first) { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, isSpace(last) { trimmed = trimmed.dropLast() }
        return trimmed
    }

    /// The lines of a byte array, split at `\n`.
    private struct Lines {
        let bytes: [UInt8]
        var position = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        mutating func next() -> ArraySlice<UInt8>? {
            guard position < bytes.count else { return nil }
            let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            defer { position = end + 1 }
            return bytes[position..<end]
        }
    }
}
