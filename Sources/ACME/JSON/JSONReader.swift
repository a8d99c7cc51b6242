/// Why a text is not JSON, and where.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// More bytes than the reader's limit.
        case tooLarge
        /// Arrays and objects nested deeper than the reader's limit.
        case tooDeep
        case unexpectedEnd
        case unexpectedByte
        case invalidNumber
        case invalidEscape
        /// A `\u` escape of a lone or mismatched UTF-16 surrogate.
        case invalidSurrogate
        /// An unescaped byte below 0x20 inside a string.
        case controlCharacter
        case invalidUTF8
        /// A member name that the object already has.
        case duplicateKey
        /// Something other than whitespace after the value.
        case trailingData
    }

    /// The byte offset at which reading stopped.
    public var offset: Int
    public var reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        let text: String
        switch reason {
        case .tooLarge: text = "input too large"
        case .tooDeep: text = "nested too deep"
        case .unexpectedEnd: text = "unexpected end"
        case .unexpectedByte: text = "unexpected byte"
        case .invalidNumber: text = "invalid number"
        case .invalidEscape: text = "invalid escape"
        case .invalidSurrogate: text = "invalid surrogate escape"
        case .controlCharacter: text = "control character in string"
        case .invalidUTF8: text = "invalid UTF-8"
        case .duplicateKey: text = "duplicate member name"
        case .trailingData: text = "data after the value"
        }
        return "JSON: \(text) at byte \(offset)"
    }
}

/// A strict RFC 8259 reader: UTF-8 only, no byte order mark, no comments, no trailing commas, no
/// lone surrogates, no duplicate member names (as I-JSON, RFC 7493). It never traps: input
/// beyond the limits, like any malformed input, is a `JSONError`.
/// ```swift
/// let directory = try JSONReader().read(responseBody)
/// let newNonce = directory["newNonce"]?.string
/// ```
public struct JSONReader: Sendable {
    /// The largest input read, in bytes.
    public var maxBytes: Int
    /// The deepest nesting of arrays and objects read.
    public var maxDepth: Int

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 32) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    /// The value `bytes` hold: exactly one value, with optional whitespace around it.
    public func read(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try read(bytes[...])
    }

    /// The value `text` holds.
    public func read(_ text: String) throws(JSONError) -> JSONValue {
        try read(Array(text.utf8))
    }

    /// The value `bytes` hold (offsets in errors count from the slice's start).
    public func read(_ bytes: ArraySlice<UInt8>) throws(JSONError) -> JSONValue {
        guard bytes.count <= maxBytes else { throw JSONError(offset: 0, reason: .tooLarge) }
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.endIndex else { throw parser.error(.trailingData) }
        return value
    }

    /// The length of the RFC 8259 number at the start of `bytes`, or `nil` if none starts there
    /// or it is malformed (a fraction or exponent without digits, a leading zero before digits
    /// is left to the caller: "01" gives 1, the length of "0").
    static func numberLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        func digits() -> Int {
            let start = index
            while index < bytes.endIndex, isDigit(bytes[index]) { index += 1 }
            return index - start
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.endIndex, isDigit(bytes[index]) else { return nil }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { _ = digits() }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        return index - bytes.startIndex
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

/// The recursive-descent parser behind `JSONReader`; recursion is bounded by `maxDepth`.
private struct Parser {
    let bytes: ArraySlice<UInt8>
    let maxDepth: Int
    var index: Int

    init(bytes: ArraySlice<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        index = bytes.startIndex
    }

    func error(_ reason: JSONError.Reason) -> JSONError {
        JSONError(offset: index - bytes.startIndex, reason: reason)
    }

    mutating func skipWhitespace() {
        while index < bytes.endIndex {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// The next byte, or an `unexpectedEnd` error.
    func peek() throws(JSONError) -> UInt8 {
        guard index < bytes.endIndex else { throw error(.unexpectedEnd) }
        return bytes[index]
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error(.unexpectedByte)
        }
    }

    mutating func literal(_ word: String) throws(JSONError) {
        for byte in word.utf8 {
            guard index < bytes.endIndex else { throw error(.unexpectedEnd) }
            guard bytes[index] == byte else { throw error(.unexpectedByte) }
            index += 1
        }
    }

    mutating func number() throws(JSONError) -> JSONNumber {
        guard let length = JSONReader.numberLength(bytes[index...]) else { throw error(.invalidNumber) }
        let text = String(decoding: bytes[index..<index + length], as: UTF8.self)
        index += length
        return JSONNumber(validatedText: text)
    }

    mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw error(.tooDeep) }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw error(.unexpectedByte)
            }
        }
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw error(.tooDeep) }
        index += 1  // {
        var object = JSONObject()
        var names = Set<String>()
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw error(.unexpectedByte) }
            let nameOffset = index
            let name = try string()
            guard names.insert(name).inserted else {
                throw JSONError(offset: nameOffset - bytes.startIndex, reason: .duplicateKey)
            }
            skipWhitespace()
            guard try peek() == UInt8(ascii: ":") else { throw error(.unexpectedByte) }
            index += 1
            skipWhitespace()
            object.appendUnchecked(name, try value(depth: depth))
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(object)
            default: throw error(.unexpectedByte)
            }
        }
    }

    /// A string starting at its opening quote; escapes decoded, UTF-8 checked.
    mutating func string() throws(JSONError) -> String {
        index += 1  // "
        var text: [UInt8] = []
        while true {
            let byte = try peek()
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                try escape(into: &text)
            case 0..<0x20:
                throw error(.controlCharacter)
            case 0..<0x80:
                text.append(byte)
                index += 1
            default:
                let length = try utf8SequenceLength()
                text.append(contentsOf: bytes[index..<index + length])
                index += length
            }
        }
    }

    /// Decodes the escape after a backslash.
    mutating func escape(into text: inout [UInt8]) throws(JSONError) {
        let byte = try peek()
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            let start = index - 2
            let unit = try hexUnit()
            var scalar = UInt32(unit)
            if (0xDC00...0xDFFF).contains(unit) {
                index = start
                throw error(.invalidSurrogate)
            }
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate must be followed at once by an escaped low one.
                guard index + 1 < bytes.endIndex, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { index = start; throw error(.invalidSurrogate) }
                index += 2
                let low = try hexUnit()
                guard (0xDC00...0xDFFF).contains(low) else { index = start; throw error(.invalidSurrogate) }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            }
            appendUTF8(scalar, to: &text)
        default:
            index -= 1
            throw error(.invalidEscape)
        }
    }

    /// Four hexadecimal digits.
    mutating func hexUnit() throws(JSONError) -> UInt16 {
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let byte = try peek()
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidEscape)
            }
            unit = unit << 4 | UInt16(digit)
            index += 1
        }
        return unit
    }

    /// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF) of two to four bytes at `index`.
    func utf8SequenceLength() throws(JSONError) -> Int {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw error(.invalidUTF8)
        }
        guard bytes.endIndex - index >= length else { throw error(.invalidUTF8) }
        guard secondRange.contains(bytes[index + 1]) else { throw error(.invalidUTF8) }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) {
            throw error(.invalidUTF8)
        }
        return length
    }
}

/// Appends the UTF-8 encoding of a Unicode scalar value (not a surrogate, at most U+10FFFF).
private func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        bytes.append(UInt8(scalar))
    case 0x80..<0x800:
        bytes.append(0xC0 | UInt8(scalar >> 6))
        bytes.append(0x80 | UInt8(scalar & 0x3F))
    case 0x800..<0x10000:
        bytes.append(0xE0 | UInt8(scalar >> 12))
        bytes.append(0x80 | UInt8(scalar >> 6 & 0x3F))
        bytes.append(0x80 | UInt8(scalar & 0x3F))
    default:
        bytes.append(0xF0 | UInt8(scalar >> 18))
        bytes.append(0x80 | UInt8(scalar >> 12 & 0x3F))
        bytes.append(0x80 | UInt8(scalar >> 6 & 0x3F))
        bytes.append(0x80 | UInt8(scalar & 0x3F))
    }
}
