/// Writes JSON without whitespace, escaping only what RFC 8259 requires (`"`, `\` and bytes
/// below 0x20), so the output is the canonical form RFC 7638 hashes when keys are sorted.
/// ```swift
/// let body = JSONWriter.bytes(["termsOfServiceAgreed": true])   // {"termsOfServiceAgreed":true}
/// ```
public enum JSONWriter {
    /// The UTF-8 text of `value`. With `sortingKeys`, every object's members are written in the
    /// order of their names' Unicode code points (RFC 7638 section 3.3), otherwise in their own order.
    public static func bytes(_ value: JSONValue, sortingKeys: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        write(value, sortingKeys: sortingKeys, into: &output)
        return output
    }

    /// `bytes(value, sortingKeys:)` as a string.
    public static func string(_ value: JSONValue, sortingKeys: Bool = false) -> String {
        String(decoding: bytes(value, sortingKeys: sortingKeys), as: UTF8.self)
    }

    static func write(_ value: JSONValue, sortingKeys: Bool, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): output.append(contentsOf: number.text.utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                write(element, sortingKeys: sortingKeys, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            var members = object.members
            // UTF-8 byte order is code point order.
            if sortingKeys { members.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } }
            output.append(UInt8(ascii: "{"))
            for (position, member) in members.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, sortingKeys: sortingKeys, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
