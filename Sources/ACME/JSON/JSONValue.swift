/// A JSON value (RFC 8259), as `JSONReader` reads it and `JSONWriter` writes it.
///
/// Objects keep their members in the order they were read or built; numbers keep their text, so
/// nothing is lost to floating point on the way through.
/// ```swift
/// let value: JSONValue = ["status": "pending", "identifiers": [["type": "dns", "value": "example.org"]]]
/// value["status"]?.string            // "pending"
/// ```
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, if this is one.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The Boolean, if this is one.
    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as an integer, if this is a number without fraction or exponent that fits an `Int`.
    public var int: Int? {
        if case .number(let number) = self { return number.int }
        return nil
    }

    /// The elements, if this is an array.
    public var array: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The object, if this is one.
    public var object: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The member named `key`, if this is an object that has one.
    public subscript(key: String) -> JSONValue? {
        object?[key]
    }
}

/// A JSON object: members in order, names unique. Two objects are equal when they have the
/// same members in the same order (what tests of exact output want).
public struct JSONObject: Equatable, Sendable {
    /// One name and its value.
    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue

        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members, in order.
    public private(set) var members: [Member] = []

    /// An empty object.
    public init() {}

    /// An object of `members`; a later member replaces an earlier one of the same name.
    public init(_ members: [Member]) {
        for member in members { self[member.key] = member.value }
    }

    /// How many members there are.
    public var count: Int { members.count }

    /// The value of the member named `key`; setting `nil` removes it, setting a new name appends it.
    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(key, newValue))
            }
        }
    }

    /// Appends a member the caller knows to be new (the reader checks names itself).
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append(Member(key, value))
    }
}

/// A JSON number, kept as the text of RFC 8259's `number` production.
public struct JSONNumber: Equatable, Sendable {
    /// The number's text, e.g. `-12`, `3.5e10`.
    public let text: String

    /// The number of an integer.
    public init(_ value: Int) { text = String(value) }

    /// A number from its text; `nil` unless `text` is exactly one RFC 8259 number.
    public init?(text: String) {
        guard JSONReader.numberLength(Array(text.utf8)[...]) == text.utf8.count else { return nil }
        self.text = text
    }

    init(validatedText: String) { text = validatedText }

    /// The value, if the text is an integer (no fraction, no exponent) that fits an `Int`.
    public var int: Int? {
        var bytes = text.utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
        }
        return value
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    /// Members in the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { JSONObject.Member($0.0, $0.1) }))
    }
}
