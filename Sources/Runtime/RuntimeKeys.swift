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
        switch keyText {
        case "true", "yes", "1", "on": self = true
        case "false", "no", "0", "off": self = false
        default: return nil
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
}

/// Parses a unikernel's runtime arguments: `--KEY=VALUE`, `--KEY VALUE`, `--FLAG`,
/// `-l SOURCE:LEVEL,…` (or `--logs=…`) and `--help`.
public struct RuntimeArgumentParser {
    /// The keys the unikernel declares.
    public let keys: [RuntimeKey]

    /// A parser for `keys`.
    public init(keys: [RuntimeKey]) { self.keys = keys }

    /// Parses `arguments` (program name excluded), storing every key value given.
    public func parse(_ arguments: [String]) throws(ArgumentError) -> RuntimeOptions {
        var options = RuntimeOptions()
        var index = 0
        func takeValue(for option: String) throws(ArgumentError) -> String {
            index += 1
            guard index < arguments.count else {
                throw ArgumentError(message: "\(option) needs a value: \(option)=VALUE")
            }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--help" || argument == "-h" {
                options.helpRequested = true
            } else if argument == "-l" || argument == "--logs" {
                options.logFilter = try logFilter(try takeValue(for: argument))
            } else if argument.hasPrefix("--logs=") {
                options.logFilter = try logFilter(String(argument.dropFirst("--logs=".count)))
            } else if argument.hasPrefix("-l"), !argument.hasPrefix("--") {
                options.logFilter = try logFilter(String(argument.dropFirst(2)))
            } else if argument.hasPrefix("--"), argument.count > 2 {
                let body = argument.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                guard let key = keys.first(where: { $0.name == name }) else {
                    throw ArgumentError(message: "unknown key --\(name)\(suggestion(for: name)); --help lists the keys")
                }
                let value: String
                if body.contains("=") {
                    value = String(body.drop { $0 != "=" }.dropFirst())
                } else if key.isFlag {
                    value = "true"
                } else {
                    value = try takeValue(for: argument)
                }
                guard key.assign(value) else {
                    throw ArgumentError(message: "--\(name) expects \(key.typeName), not '\(value)'")
                }
            } else {
                throw ArgumentError(message: "unexpected argument '\(argument)': keys are given as --KEY=VALUE; --help lists them")
            }
            index += 1
        }
        return options
    }

    private func logFilter(_ text: String) throws(ArgumentError) -> LogFilter {
        do {
            return try LogFilter(parsing: text)
        } catch {
            throw ArgumentError(message: "bad -l value '\(error.text)': \(error.problem)")
        }
    }

    private func suggestion(for name: String) -> String {
        guard !name.isEmpty, let close = closestKeyName(to: name, among: keys.map { $0.name }) else { return "" }
        return " (did you mean --\(close)?)"
    }

    /// The text `--help` prints.
    public func help(unikernel name: String) -> String {
        var rows: [(String, String)] = keys.map { key in
            let quoted = key.typeName == "STRING" ? "\"\(key.defaultText)\"" : key.defaultText
            return ("--\(key.name)=\(key.typeName)", "\(key.doc) (default: \(quoted))")
        }
        rows.append(("-l, --logs=SOURCE:LEVEL,...",
                     "Log thresholds, e.g. \"*:debug\" or \"*:info,net:debug\"; levels: quiet, app, error, warning, info, debug (default: \"*:info\")"))
        rows.append(("-h, --help", "Show this help and exit."))
        let width = rows.map { $0.0.count }.max() ?? 0
        var text = "usage: \(name) [--KEY=VALUE ...] [-l SOURCE:LEVEL,...]\n\n"
        text += keys.isEmpty ? "This unikernel has no runtime keys.\n\nOptions:\n" : "Runtime keys and options:\n"
        for (left, right) in rows {
            text += "  " + left + String(repeating: " ", count: width - left.count + 2) + right + "\n"
        }
        return text
    }
}

/// The name in `candidates` a mistyped `name` most likely meant: the same but for case, one that
/// starts with it, or one at most two edits away. `nil` when none is close.
public func closestKeyName(to name: String, among candidates: [String]) -> String? {
    let typed = Array(name.lowercased().utf8)
    var best: (name: String, distance: Int)? = nil
    for candidate in candidates {
        let target = Array(candidate.lowercased().utf8)
        if target == typed || target.starts(with: typed) { return candidate }
        let distance = editDistance(typed, target)
        if distance <= 2, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.name
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
    var arguments: [String] = []
    var current: [UInt8] = []
    var inArgument = false
    var quote: UInt8? = nil
    var escaped = false
    for byte in text.utf8 {
        if escaped {
            current.append(byte)
            escaped = false
        } else if byte == UInt8(ascii: "\\") && quote != UInt8(ascii: "'") {
            escaped = true
            inArgument = true
        } else if let open = quote {
            if byte == open { quote = nil } else { current.append(byte) }
        } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            quote = byte
            inArgument = true
        } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") {
            if inArgument { arguments.append(String(decoding: current, as: UTF8.self)) }
            current = []
            inArgument = false
        } else {
            current.append(byte)
            inArgument = true
        }
    }
    if inArgument { arguments.append(String(decoding: current, as: UTF8.self)) }
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
