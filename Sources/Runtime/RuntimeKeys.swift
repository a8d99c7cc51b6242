import SwiftletDevices

/// A type a configuration key can have: it reads itself from, and prints itself as, the text
/// given on a command line.
public protocol KeyValue {
    /// The name shown in help: `STRING`, `INT`, `BOOL`, `IPV4`, `IPV4/PREFIX`.
    static var keyTypeName: String { get }
    /// Parses command-line text; `nil` when it is not a valid value.
    init?(keyText: String)
    /// The value as it would be written on a command line.
    var keyText: String { get }
    /// Whether the key may be given without a value (`--verbose` meaning `--verbose=true`).
    static var isFlag: Bool { get }
}

extension KeyValue {
    public static var isFlag: Bool { false }
}

extension String: KeyValue {
    public static var keyTypeName: String { "STRING" }
    public init?(keyText: String) { self = keyText }
    public var keyText: String { self }
}

extension Int: KeyValue {
    public static var keyTypeName: String { "INT" }
    public init?(keyText: String) { self.init(keyText) }
    public var keyText: String { String(self) }
}

extension Bool: KeyValue {
    public static var keyTypeName: String { "BOOL" }
    public init?(keyText: String) {
        let bytes = ArraySlice(keyText.utf8)
        if bytes.matches("true") || bytes.matches("yes") || bytes.matches("1") || bytes.matches("on") {
            self = true
        } else if bytes.matches("false") || bytes.matches("no") || bytes.matches("0") || bytes.matches("off") {
            self = false
        } else {
            return nil
        }
    }
    public var keyText: String { self ? "true" : "false" }
    public static var isFlag: Bool { true }
}

extension IPv4Address: KeyValue {
    public static var keyTypeName: String { "IPV4" }
    public init?(keyText: String) { self.init(keyText) }
    public var keyText: String { description }
}

extension IPv4Prefix: KeyValue {
    public static var keyTypeName: String { "IPV4/PREFIX" }
    public init?(keyText: String) { self.init(keyText) }
    public var keyText: String { description }
}

/// A key the unikernel reads at run time: `./dist/hello --hello=Bonjour`.
///
/// `swiftlet configure` generates one per runtime key of `config.swift`; each stores its parsed
/// value into the generated `Keys` namespace.
public struct RuntimeKey {
    /// The name used on the command line, without dashes.
    public let name: String
    /// One line of documentation.
    public let doc: String
    /// The type shown in help, such as `STRING`.
    public let typeName: String
    /// The default value as command-line text.
    public let defaultText: String
    /// Whether the key is a boolean, which may be given without a value (`--flag`).
    public let isFlag: Bool
    let assign: (String) -> Bool

    /// A key of type `Value` that calls `store` with the parsed value.
    public init<Value: KeyValue>(_ name: String, doc: String, default defaultValue: Value,
                                 store: @escaping (Value) -> Void) {
        self.name = name
        self.doc = doc
        typeName = Value.keyTypeName
        defaultText = defaultValue.keyText
        isFlag = Value.isFlag
        assign = { text in
            guard let value = Value(keyText: text) else { return false }
            store(value)
            return true
        }
    }
}

/// A command line the unikernel could not accept.
public struct ArgumentError: Error, Equatable, Sendable {
    /// What is wrong and what to do, in one sentence.
    public var message: String
}

/// What a unikernel's command line asked for, besides key values (which are stored as parsed).
public struct RuntimeOptions: Equatable, Sendable {
    /// The log filter from `-l`/`--logs`.
    public var logFilter = LogFilter()
    /// Whether `--help` was given.
    public var helpRequested = false
    /// The names of the keys the command line gave, in order.
    public var givenKeys: [String] = []
}

/// What the running unikernel's command line gave: devices ask whether a key was given
/// explicitly (an address given at run time wins over DHCP configured as the default).
public enum RuntimeArguments {
    /// The names of the keys given on the command line; set by `boot` before devices are created.
    nonisolated(unsafe) public static var givenKeys: [String] = []

    /// Whether the command line gave the key `name`.
    public static func wasGiven(_ name: String) -> Bool {
        givenKeys.contains { sameUTF8($0, name) }
    }
}

/// Parses a unikernel's runtime arguments: `--KEY=VALUE`, `--KEY VALUE`, `--FLAG` (also
/// `--FLAG true|false`),
/// `-l SOURCE:LEVEL,…` (or `--logs=…`) and `--help`.
public struct RuntimeArgumentParser {
    /// The keys the unikernel declares.
    public let keys: [RuntimeKey]
    /// The unikernel's configure-time keys: fixed when it was built, so refused here with a
    /// message that says where they go.
    public let configureKeys: [String]
    /// Runtime keys of implementations this unikernel was not configured with, each followed by
    /// the configure-time choice that brings it: `["dhcp", "--net=direct", ...]`.
    public let otherChoiceKeys: [String]

    /// A parser for `keys`.
    public init(keys: [RuntimeKey], configureKeys: [String] = [], otherChoiceKeys: [String] = []) {
        self.keys = keys
        self.configureKeys = configureKeys
        self.otherChoiceKeys = otherChoiceKeys
    }

    /// Parses `arguments` (program name excluded), storing every key value given.
    ///
    /// Arguments are read as UTF-8 bytes: `=` and the dashes are found byte by byte, and key
    /// names are compared byte for byte.
    public func parse(_ arguments: [String]) throws(ArgumentError) -> RuntimeOptions {
        var options = RuntimeOptions()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let bytes = ArraySlice(argument.utf8)
            if bytes.matches("--help") || bytes.matches("-h") {
                options.helpRequested = true
            } else if bytes.starts(with: "-l") {
                // `-l VALUE` or `-lVALUE`
                let text = bytes.count > 2 ? String(utf8: bytes.dropFirst(2)) : try nextArgument(after: &index, in: arguments)
                options.logFilter = try logFilter(text)
            } else if bytes.starts(with: "--"), bytes.count > 2 {
                // `--NAME=VALUE`, `--NAME VALUE` or `--FLAG`, where NAME is `logs` or a key
                let body = bytes.dropFirst(2)
                let equals = body.firstIndex(of: UInt8(ascii: "="))
                let name = body[..<(equals ?? body.endIndex)]
                let isLogs = name.matches("logs")
                let keyIndex = isLogs ? nil : keys.firstIndex(where: { name.isUTF8(of: $0.name) })
                if !isLogs && keyIndex == nil {
                    let name = String(utf8: name)
                    var pair = 0
                    while pair + 1 < otherChoiceKeys.count {
                        if sameUTF8(otherChoiceKeys[pair], name) {
                            let choice = otherChoiceKeys[pair + 1]
                            throw ArgumentError(message: concatenated(["--", name, " needs ", choice, ", and this unikernel was configured without it: swiftlet configure ",
                                                                       choice, ", then swiftlet build"]))
                        }
                        pair += 2
                    }
                    if configureKeys.contains(where: { sameUTF8($0, name) }) {
                        throw ArgumentError(message: concatenated(["--", name, " is a configure-time key: it belongs to swiftlet configure (swiftlet configure --",
                                                                   name, "=VALUE, then swiftlet build); --help lists the runtime keys"]))
                    }
                    throw ArgumentError(message: concatenated(["unknown key --", name, suggestion(for: name), "; --help lists the keys"]))
                }
                let value: String
                if let equals {
                    value = String(utf8: body[(equals + 1)...])
                } else if let keyIndex, keys[keyIndex].isFlag {
                    // `--dhcp`, or `--dhcp true` / `--dhcp false` when a boolean word follows.
                    if index + 1 < arguments.count, Bool(keyText: arguments[index + 1]) != nil {
                        index += 1
                        value = arguments[index]
                    } else {
                        value = "true"
                    }
                } else {
                    value = try nextArgument(after: &index, in: arguments)
                }
                if let keyIndex {
                    options.givenKeys.append(keys[keyIndex].name)
                    guard keys[keyIndex].assign(value) else {
                        let key = keys[keyIndex]
                        throw ArgumentError(message: concatenated(["--", key.name, " expects ", key.typeName, ", not '", value, "'"]))
                    }
                } else {
                    options.logFilter = try logFilter(value)
                }
            } else {
                throw ArgumentError(message: concatenated(["unexpected argument '", argument, "': keys are given as --KEY=VALUE; --help lists them"]))
            }
            index += 1
        }
        return options
    }

    /// The argument after the option at `index` (its value), whose index `index` becomes.
    @inline(never)
    private func nextArgument(after index: inout Int, in arguments: [String]) throws(ArgumentError) -> String {
        let option = arguments[index]
        index += 1
        guard index < arguments.count else {
            throw ArgumentError(message: concatenated([option, " needs a value: ", option, "=VALUE"]))
        }
        return arguments[index]
    }

    @inline(never)
    private func logFilter(_ text: String) throws(ArgumentError) -> LogFilter {
        do {
            return try LogFilter(parsing: text)
        } catch {
            throw ArgumentError(message: concatenated(["bad -l value '", error.text, "': ", error.problem]))
        }
    }

    private func suggestion(for name: String) -> String {
        guard !name.isEmpty, let close = closestKeyName(to: name, among: keys.map { $0.name }) else { return "" }
        return concatenated([" (did you mean --", close, "?)"])
    }

    /// The text `--help` prints.
    public func help(unikernel name: String) -> String {
        var rows: [(String, String)] = keys.map { key in
            let quoted = sameUTF8(key.typeName, "STRING") ? concatenated(["\"", key.defaultText, "\""]) : key.defaultText
            return (concatenated(["--", key.name, "=", key.typeName]), concatenated([key.doc, " (default: ", quoted, ")"]))
        }
        rows.append(("-l, --logs=SOURCE:LEVEL,...",
                     "Log thresholds, e.g. \"*:debug\" or \"*:info,net:debug\"; levels: quiet, app, error, warning, info, debug (default: \"*:info\")"))
        rows.append(("-h, --help", "Show this help and exit."))
        // Key names and the key types' names are ASCII (the tool allows no others): a byte is a column.
        var width = 0
        for (left, _) in rows { width = Swift.max(width, left.utf8.count) }
        var parts = ["usage: ", name, " [--KEY=VALUE ...] [-l SOURCE:LEVEL,...]\n\n",
                     keys.isEmpty ? "This unikernel has no runtime keys.\n\nOptions:\n" : "Runtime keys and options:\n"]
        for (left, right) in rows {
            let padding = String(utf8: ArraySlice(repeating: UInt8(ascii: " "), count: width - left.utf8.count + 2))
            parts += ["  ", left, padding, right, "\n"]
        }
        return concatenated(parts)
    }
}

/// The name in `candidates` a mistyped `name` most likely meant: the same but for case, one that
/// starts with it, or one at most two edits away. `nil` when none is close.
///
/// Case is ignored for ASCII letters only (key names are ASCII by rule: a-z, 0-9, `-`, `_`), and
/// names are compared byte by byte.
public func closestKeyName(to name: String, among candidates: [String]) -> String? {
    let typed = asciiLowercased(name)
    var best: (name: String, distance: Int)? = nil
    for candidate in candidates {
        let target = asciiLowercased(candidate)
        if target.starts(with: typed) { return candidate }
        let distance = editDistance(typed, target)
        if distance <= 2, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.name
}

/// The UTF-8 bytes of `text` with `A`-`Z` made lowercase.
private func asciiLowercased(_ text: String) -> [UInt8] {
    var bytes = Array(text.utf8)
    for index in bytes.indices where bytes[index] >= UInt8(ascii: "A") && bytes[index] <= UInt8(ascii: "Z") {
        bytes[index] += 32
    }
    return bytes
}

/// Levenshtein distance between two byte strings.
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// Splits a unikernel's command line, given as one string (as Solo5 tenders pass it), into
/// arguments: spaces separate them; double or single quotes and backslashes protect spaces.
///
/// ```swift
/// splitCommandLine(#"--hello="Hello World" -l *:debug"#)   // ["--hello=Hello World", "-l", "*:debug"]
/// ```
public func splitCommandLine(_ text: String) -> [String] {
    let bytes = Array(text.utf8)
    var arguments: [String] = []
    var current: [UInt8] = []
    var inArgument = false
    var quote: UInt8? = nil
    var escaped = false
    // One pass, with the end of the text as a last separator.
    for position in 0...bytes.count {
        var keep = false
        var separates = position == bytes.count
        if !separates {
            let byte = bytes[position]
            if escaped {
                keep = true
                escaped = false
            } else if byte == UInt8(ascii: "\\") && quote != UInt8(ascii: "'") {
                escaped = true
                inArgument = true
            } else if let open = quote {
                if byte == open { quote = nil } else { keep = true }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
                inArgument = true
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") {
                separates = true
            } else {
                keep = true
                inArgument = true
            }
            if keep { current.append(byte) }
        }
        if separates {
            if inArgument { arguments.append(String(utf8: current[...])) }
            current.removeAll()
            inArgument = false
        }
    }
    return arguments
}

/// Quotes `arguments` so that ``splitCommandLine(_:)`` gives them back: what a tender does when
/// it joins the arguments after `--` into the unikernel's one command-line string.
public func joinCommandLine(_ arguments: [String]) -> String {
    arguments.map { argument in
        let plain = !argument.isEmpty && argument.utf8.allSatisfy { byte in
            byte > 32 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'") && byte != UInt8(ascii: "\\")
        }
        if plain { return argument }
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        for byte in argument.utf8 {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { quoted.append(UInt8(ascii: "\\")) }
            quoted.append(byte)
        }
        quoted.append(UInt8(ascii: "\""))
        return String(decoding: quoted, as: UTF8.self)
    }.joined(separator: " ")
}

// MARK: Text as bytes
//
// The runtime reads command lines and log filters as UTF-8 bytes. Character-based `String`
// operations (`==`, `split`, `hasPrefix`, `count`, `lowercased()`) would pull the standard
// library's grapheme-breaking, normalization and case-mapping code and tables into every
// unikernel; every separator the runtime looks for is ASCII, so bytes give the same answers.

extension ArraySlice where Element == UInt8 {
    /// Whether these bytes are exactly `literal` (ASCII).
    func matches(_ literal: StaticString) -> Bool {
        count == literal.utf8CodeUnitCount && starts(with: literal)
    }

    /// Whether these bytes start with `literal` (ASCII).
    @inline(never)
    func starts(with literal: StaticString) -> Bool {
        guard count >= literal.utf8CodeUnitCount else { return false }
        var index = startIndex
        for offset in 0..<literal.utf8CodeUnitCount {
            guard self[index] == literal.utf8Start[offset] else { return false }
            index += 1
        }
        return true
    }

    /// Whether these bytes are exactly the UTF-8 of `text`.
    @inline(never)
    func isUTF8(of text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in count == utf8.count && elementsEqual(utf8) }
    }
}

/// Whether `a` and `b` are the same bytes (where `==` compares Unicode-normalized text).
@inline(never)
func sameUTF8(_ a: String, _ b: String) -> Bool {
    ArraySlice(a.utf8).isUTF8(of: b)
}

extension String {
    /// The text of UTF-8 bytes cut from a valid string at ASCII separators.
    @inline(never)
    init(utf8 bytes: ArraySlice<UInt8>) {
        self.init(decoding: bytes, as: UTF8.self)
    }
}

/// `parts` joined into one string. One out-of-line loop over bytes: in Embedded Swift,
/// interpolation and `+` inline `String.append`'s fast path for every part, and its slow path
/// brings in code for strings that do not exist there (bridged, UTF-16).
@inline(never)
func concatenated(_ parts: [String]) -> String {
    var bytes: [UInt8] = []
    for part in parts { bytes.append(contentsOf: part.utf8) }
    return String(decoding: bytes, as: UTF8.self)
}
