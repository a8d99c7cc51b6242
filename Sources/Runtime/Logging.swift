import SwiftletDevices

/// How important a log message is. Lower levels are more important.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    /// Output the application always wants shown.
    case app = 0
    /// Something failed.
    case error
    /// Something looks wrong but work goes on.
    case warning
    /// What happened, at a level of detail an operator wants.
    case info
    /// Details for whoever is debugging.
    case debug

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The three-letter tag printed in log lines: `INF`, `DBG`, …
    public var tag: String {
        switch self {
        case .app: "APP"
        case .error: "ERR"
        case .warning: "WRN"
        case .info: "INF"
        case .debug: "DBG"
        }
    }

    /// Parses a level name as given to `-l`: `app`, `error`, `warning`, `info` or `debug`.
    public init?(name: String) {
        self.init(name: ArraySlice(name.utf8))
    }

    /// Parses a level name given as UTF-8 bytes.
    init?(name: ArraySlice<UInt8>) {
        for level in LogLevel.allCases where name.matches(level.name) {
            self = level
            return
        }
        return nil
    }

    /// The name `-l` knows the level by.
    var name: StaticString {
        switch self {
        case .app: "app"
        case .error: "error"
        case .warning: "warning"
        case .info: "info"
        case .debug: "debug"
        }
    }
}

/// Which messages are shown: a default threshold and per-source overrides.
///
/// Written as on MirageOS's command line: `"*:info,net:debug"` shows `info` and more important
/// messages from every source, and also `debug` messages from `net`. `quiet` hides everything.
/// Source names are matched byte for byte.
public struct LogFilter: Equatable, Sendable {
    /// The threshold for sources without an override; `nil` shows nothing.
    public var defaultThreshold: LogLevel?
    /// Thresholds for particular sources; a `nil` value silences that source.
    public var thresholds: [String: LogLevel?] {
        get {
            var thresholds: [String: LogLevel?] = [:]
            for (source, level) in overrides { thresholds[source] = .some(level) }
            return thresholds
        }
        set {
            overrides = newValue.map { ($0.key, $0.value) }
        }
    }
    /// The thresholds, one per source, kept as a list: looking a source up compares bytes, where
    /// a `String`-keyed dictionary would hash and compare Unicode-normalized text.
    private var overrides: [(source: String, level: LogLevel?)] = []

    /// Shows `info` and more important messages from every source: `LogFilter()` inside this
    /// module, without building the empty dictionary the public initializer's default takes.
    init() {
        defaultThreshold = .info
    }

    /// Shows `threshold` and more important messages from every source.
    public init(defaultThreshold: LogLevel? = .info, thresholds: [String: LogLevel?] = [:]) {
        self.defaultThreshold = defaultThreshold
        self.thresholds = thresholds
    }

    /// Parses `"*:debug"`, `"*:info,net:debug"`, `"debug"` (same as `*:debug`) or `"net:quiet"`.
    public init(parsing text: String) throws(LogFilterError) {
        self.init()
        let bytes = ArraySlice(text.utf8)
        var start = bytes.startIndex
        while true {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
            try apply(bytes[start..<end], of: text)
            guard end < bytes.endIndex else { return }
            start = end + 1
        }
    }

    /// Applies one `SOURCE:LEVEL` (or `LEVEL`) item of `text`.
    private mutating func apply(_ item: ArraySlice<UInt8>, of text: String) throws(LogFilterError) {
        let colon = item.firstIndex(of: UInt8(ascii: ":"))
        let source = item[..<(colon ?? item.startIndex)]
        let levelName = item[(colon.map { $0 + 1 } ?? item.startIndex)...]
        if colon != nil {
            guard !levelName.contains(UInt8(ascii: ":")) else {
                throw LogFilterError(text: text, problem: "'", item, "' is not SOURCE:LEVEL")
            }
            guard !source.isEmpty else {
                throw LogFilterError(text: text, problem: "'", item, "' has no source (use * for all)")
            }
        }
        let level: LogLevel?
        if levelName.matches("quiet") {
            level = nil
        } else if let parsed = LogLevel(name: levelName) {
            level = parsed
        } else {
            throw LogFilterError(text: text, problem: "unknown level '", levelName,
                                 "' (use quiet, app, error, warning, info or debug)")
        }
        if colon == nil || source.matches("*") {
            defaultThreshold = level
        } else {
            let name = String(utf8: source)
            if let old = overrides.firstIndex(where: { sameUTF8($0.source, name) }) { overrides.remove(at: old) }
            overrides.append((name, level))
        }
    }

    /// Whether a message of `level` from `source` is shown.
    public func shows(_ level: LogLevel, from source: String) -> Bool {
        var threshold = defaultThreshold
        for override in overrides where sameUTF8(override.source, source) {
            threshold = override.level
        }
        guard let threshold else { return false }
        return level <= threshold
    }

    public static func == (lhs: LogFilter, rhs: LogFilter) -> Bool {
        lhs.defaultThreshold == rhs.defaultThreshold && lhs.thresholds == rhs.thresholds
    }
}

/// A `-l`/`--logs` value that could not be parsed.
public struct LogFilterError: Error, Equatable, Sendable {
    /// The text given.
    public var text: String
    /// What is wrong with it.
    public var problem: String
}

extension LogFilterError {
    /// The error for `text` whose problem is `prefix`, the text of `part`, then `suffix`.
    @inline(never)
    init(text: String, problem prefix: String, _ part: ArraySlice<UInt8>, _ suffix: String) {
        self.init(text: text, problem: concatenated([prefix, String(utf8: part), suffix]))
    }
}

/// Where log lines go and how they are stamped: set once at boot by the platform binding.
public enum Logging {
    /// Which messages are shown.
    nonisolated(unsafe) public static var filter = LogFilter()
    /// Writes one finished line (newline included).
    nonisolated(unsafe) public static var write: (String) -> Void = { _ in }
    /// The time stamped on each line.
    nonisolated(unsafe) public static var clock: () -> WallClockTime = { WallClockTime(secondsSinceEpoch: 0) }

    /// Formats one line: `2026-11-21 10:54:44 +00:00: INF [application] hello`.
    public static func format(time: WallClockTime, level: LogLevel, source: String, message: String) -> String {
        concatenated([CivilTime(time).description, " +00:00: ", level.tag, " [", source, "] ", message, "\n"])
    }
}

/// Logs messages from one source (MirageOS's `Logs.Src`).
///
/// ```swift
/// let log = Logger(source: "net")
/// log.info("listening on port \(port)")
/// log.debug("read \(bytes.count) bytes")   // built only when `-l net:debug` is given
/// ```
public struct Logger: Sendable {
    /// The source name shown in brackets and matched by `-l SOURCE:LEVEL`.
    public let source: String

    /// A logger for `source`.
    public init(source: String) { self.source = source }

    /// Whether messages of `level` are shown; check before expensive work.
    public func isEnabled(_ level: LogLevel) -> Bool { Logging.filter.shows(level, from: source) }

    /// Logs `message` at `level`; the message is only built when it will be shown.
    @inline(never)  // one copy, not one per call site
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard isEnabled(level) else { return }
        Logging.write(Logging.format(time: Logging.clock(), level: level, source: source, message: message()))
        // Warnings and errors go out at once, with what was gathered before them: they are rare,
        // and they are the lines that matter when a trap follows (a trap on spt prints nothing
        // and runs no code of the unikernel's). Info and debug lines wait for the end of the turn.
        if level <= .warning { ConsoleBuffer.flush() }
    }

    /// Logs at ``LogLevel/app``.
    public func app(_ message: @autoclosure () -> String) { log(.app, message()) }
    /// Logs at ``LogLevel/error``.
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    /// Logs at ``LogLevel/warning``.
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    /// Logs at ``LogLevel/info``.
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    /// Logs at ``LogLevel/debug``.
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
}

extension Logger {
    /// The default source, `application`.
    public static let application = Logger(source: "application")
}

/// Logging from the default source, `application`, as MirageOS's `Logs.info` does.
///
/// ```swift
/// Log.info("hello")   // 2026-11-21 10:54:44 +00:00: INF [application] hello
/// ```
public enum Log {
    /// Logs at ``LogLevel/app``.
    public static func app(_ message: @autoclosure () -> String) { Logger.application.log(.app, message()) }
    /// Logs at ``LogLevel/error``.
    public static func error(_ message: @autoclosure () -> String) { Logger.application.log(.error, message()) }
    /// Logs at ``LogLevel/warning``.
    public static func warning(_ message: @autoclosure () -> String) { Logger.application.log(.warning, message()) }
    /// Logs at ``LogLevel/info``.
    public static func info(_ message: @autoclosure () -> String) { Logger.application.log(.info, message()) }
    /// Logs at ``LogLevel/debug``.
    public static func debug(_ message: @autoclosure () -> String) { Logger.application.log(.debug, message()) }
}

/// A UTC calendar date and time of day, computed without any C library.
public struct CivilTime: Equatable, Sendable, CustomStringConvertible {
    public var year: Int64, month: Int, day: Int, hour: Int, minute: Int, second: Int

    /// The civil time of `time` in UTC (proleptic Gregorian calendar).
    public init(_ time: WallClockTime) {
        let seconds = time.secondsSinceEpoch
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        hour = Int(secondOfDay / 3600)
        minute = Int(secondOfDay % 3600 / 60)
        second = Int(secondOfDay % 60)
        // Count in 400-year eras starting on 0000-03-01, so leap days fall at the end of a year.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1)
        month = Int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9)
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// `YYYY-MM-DD hh:mm:ss`.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        if year < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendPadded(-year, width: 4, to: &bytes)
        } else {
            appendPadded(year, width: 4, to: &bytes)
        }
        for (separator, value) in [(UInt8(ascii: "-"), month), (UInt8(ascii: "-"), day), (UInt8(ascii: " "), hour),
                                   (UInt8(ascii: ":"), minute), (UInt8(ascii: ":"), second)] {
            bytes.append(separator)
            appendPadded(Int64(value), width: 2, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Appends `String(value)` to `bytes`, after as many zeros as it takes to make `width` bytes.
private func appendPadded(_ value: Int64, width: Int, to bytes: inout [UInt8]) {
    let magnitude = value.magnitude
    var unit: UInt64 = 1
    var length = value < 0 ? 2 : 1
    while magnitude / unit >= 10 {
        unit *= 10
        length += 1
    }
    if length < width {
        for _ in length..<width { bytes.append(UInt8(ascii: "0")) }
    }
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    while unit > 0 {
        bytes.append(UInt8(ascii: "0") + UInt8(magnitude / unit % 10))
        unit /= 10
    }
}
