import Testing
import SwiftletDevices
@testable import SwiftletRuntime

// Timestamps below were checked with Python:
//   datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t)

@Suite struct CivilTimeTests {
    func civil(_ seconds: Int64) -> String {
        CivilTime(WallClockTime(secondsSinceEpoch: seconds)).description
    }

    @Test func epochIsMidnightJanuaryFirst1970() {
        #expect(civil(0) == "1970-01-01 00:00:00")
        let time = CivilTime(WallClockTime(secondsSinceEpoch: 0))
        #expect(time == CivilTime(WallClockTime(secondsSinceEpoch: 0, nanoseconds: 999_999_999)))
        #expect([time.year, Int64(time.month), Int64(time.day)] == [1970, 1, 1])
    }

    @Test func oneSecondBeforeTheEpochIsNewYearsEve1969() {
        #expect(civil(-1) == "1969-12-31 23:59:59")
        #expect(civil(-86_400) == "1969-12-31 00:00:00")
        #expect(civil(-86_401) == "1969-12-30 23:59:59")
    }

    @Test func leapDayOf2000() {
        #expect(civil(951_782_400) == "2000-02-29 00:00:00")
        #expect(civil(951_782_399) == "2000-02-28 23:59:59")
        #expect(civil(951_868_800) == "2000-03-01 00:00:00")
    }

    @Test func aRecentTimestamp() {
        #expect(civil(1_763_722_484) == "2025-11-21 10:54:44")
    }

    @Test func year2100IsNotALeapYear() {
        #expect(civil(4_107_542_399) == "2100-02-28 23:59:59")
        #expect(civil(4_107_542_400) == "2100-03-01 00:00:00")
    }

    @Test func datesBefore1900() {
        #expect(civil(-2_208_988_801) == "1899-12-31 23:59:59")
        // 1900 is not a leap year either.
        #expect(civil(-2_203_891_201) == "1900-02-28 23:59:59")
        #expect(civil(-2_203_891_200) == "1900-03-01 00:00:00")
    }

    @Test func extremesOfFourDigitYears() {
        #expect(civil(-62_135_596_800) == "0001-01-01 00:00:00")
        #expect(civil(253_402_300_799) == "9999-12-31 23:59:59")
    }
}

@Suite struct LogLevelTests {
    @Test func moreImportantLevelsAreSmaller() {
        #expect(LogLevel.app < .error)
        #expect(LogLevel.error < .warning)
        #expect(LogLevel.warning < .info)
        #expect(LogLevel.info < .debug)
    }

    @Test func tagsAreThreeLetters() {
        #expect(LogLevel.allCases.map(\.tag) == ["APP", "ERR", "WRN", "INF", "DBG"])
    }

    @Test func parsesLevelNames() {
        #expect(LogLevel(name: "app") == .app)
        #expect(LogLevel(name: "error") == .error)
        #expect(LogLevel(name: "warning") == .warning)
        #expect(LogLevel(name: "info") == .info)
        #expect(LogLevel(name: "debug") == .debug)
        #expect(LogLevel(name: "DEBUG") == nil)
        #expect(LogLevel(name: "quiet") == nil)
        #expect(LogLevel(name: "") == nil)
    }
}

@Suite struct LogFilterTests {
    @Test func defaultShowsInfoAndMoreImportant() {
        let filter = LogFilter()
        #expect(filter.defaultThreshold == .info)
        #expect(filter.thresholds.isEmpty)
        #expect(filter.shows(.app, from: "net"))
        #expect(filter.shows(.error, from: "net"))
        #expect(filter.shows(.warning, from: "net"))
        #expect(filter.shows(.info, from: "net"))
        #expect(!filter.shows(.debug, from: "net"))
    }

    @Test func starDebugShowsEverything() throws {
        let filter = try LogFilter(parsing: "*:debug")
        #expect(filter == LogFilter(defaultThreshold: .debug))
        #expect(filter.shows(.debug, from: "application"))
        #expect(filter.shows(.debug, from: "net"))
    }

    @Test func aBareLevelMeansEverySource() throws {
        #expect(try LogFilter(parsing: "debug") == LogFilter(defaultThreshold: .debug))
        #expect(try LogFilter(parsing: "warning") == LogFilter(defaultThreshold: .warning))
        let filter = try LogFilter(parsing: "error")
        #expect(filter.shows(.error, from: "x"))
        #expect(!filter.shows(.warning, from: "x"))
    }

    @Test func perSourceOverrideRaisesOneSource() throws {
        let filter = try LogFilter(parsing: "*:info,net:debug")
        #expect(filter == LogFilter(defaultThreshold: .info, thresholds: ["net": .debug]))
        #expect(filter.shows(.debug, from: "net"))
        #expect(!filter.shows(.debug, from: "application"))
        #expect(!filter.shows(.debug, from: "disk"))
        #expect(filter.shows(.info, from: "application"))
    }

    @Test func perSourceOverrideCanLowerOneSource() throws {
        let filter = try LogFilter(parsing: "*:debug,net:error")
        #expect(!filter.shows(.warning, from: "net"))
        #expect(filter.shows(.error, from: "net"))
        #expect(filter.shows(.debug, from: "disk"))
    }

    @Test func quietSourceSilencesOnlyThatSource() throws {
        let filter = try LogFilter(parsing: "net:quiet")
        #expect(filter == LogFilter(defaultThreshold: .info, thresholds: ["net": LogLevel?.none]))
        for level in LogLevel.allCases {
            #expect(!filter.shows(level, from: "net"), "net should hide \(level)")
        }
        #expect(filter.shows(.app, from: "application"))
        #expect(filter.shows(.info, from: "application"))
        #expect(!filter.shows(.debug, from: "application"))
    }

    @Test func quietAloneSilencesEverything() throws {
        let filter = try LogFilter(parsing: "quiet")
        #expect(filter.defaultThreshold == nil)
        for level in LogLevel.allCases {
            #expect(!filter.shows(level, from: "application"))
        }
    }

    @Test func quietDefaultWithOneSourceShown() throws {
        let filter = try LogFilter(parsing: "*:quiet,net:warning")
        #expect(filter.shows(.warning, from: "net"))
        #expect(!filter.shows(.info, from: "net"))
        #expect(!filter.shows(.app, from: "application"))
    }

    @Test func laterItemsOverrideEarlierOnes() throws {
        #expect(try LogFilter(parsing: "debug,*:error") == LogFilter(defaultThreshold: .error))
        #expect(try LogFilter(parsing: "net:debug,net:quiet").thresholds == ["net": LogLevel?.none])
    }

    @Test func unknownLevelIsAnError() {
        #expect(throws: LogFilterError(
            text: "*:loud",
            problem: "unknown level 'loud' (use quiet, app, error, warning, info or debug)")) {
            try LogFilter(parsing: "*:loud")
        }
    }

    @Test func tooManyColonsIsAnError() {
        #expect(throws: LogFilterError(text: "a:b:c", problem: "'a:b:c' is not SOURCE:LEVEL")) {
            try LogFilter(parsing: "a:b:c")
        }
    }

    @Test func missingSourceIsAnError() {
        #expect(throws: LogFilterError(text: ":debug", problem: "':debug' has no source (use * for all)")) {
            try LogFilter(parsing: ":debug")
        }
    }

    @Test func errorProblemNamesTheBadItemNotTheWholeText() throws {
        do {
            _ = try LogFilter(parsing: "*:info,net:verbose,disk:debug")
            Issue.record("expected an error")
        } catch {
            #expect(error.text == "*:info,net:verbose,disk:debug")
            #expect(error.problem.contains("'verbose'"))
            #expect(!error.problem.contains("disk"))
        }
        do {
            _ = try LogFilter(parsing: "*:info,x:y:z")
            Issue.record("expected an error")
        } catch {
            #expect(error.problem == "'x:y:z' is not SOURCE:LEVEL")
        }
    }

    @Test func emptyTextAndEmptyItemsAreErrors() {
        #expect(throws: LogFilterError.self) { try LogFilter(parsing: "") }
        #expect(throws: LogFilterError.self) { try LogFilter(parsing: "debug,") }
        #expect(throws: LogFilterError.self) { try LogFilter(parsing: "net:") }
    }
}

/// Everything that reads or replaces the `Logging` globals lives here, run one test at a time.
///
/// Each test gets a fresh instance: `init` saves the globals and points them at a sink and a fixed
/// clock, `deinit` restores them. Tests log and check at the top level of the test function:
/// Swift 6.3.1 miscompiles `#expect` inside a closure that also makes `@autoclosure` calls
/// (such as `Log.info("…")`): the expectation's operand evaluates one of the other autoclosures.
@Suite(.serialized) final class LoggingGlobalsTests {
    /// Collects written lines.
    final class Sink: @unchecked Sendable {
        var lines: [String] = []
    }

    let sink = Sink()
    private let saved: (LogFilter, (String) -> Void, () -> WallClockTime)

    /// 2026-11-21 10:54:44 UTC (python3: calendar.timegm((2026, 11, 21, 10, 54, 44))).
    static let documentedSeconds: Int64 = 1_795_258_484

    init() {
        saved = (Logging.filter, Logging.write, Logging.clock)
        let sink = self.sink
        Logging.filter = LogFilter()
        Logging.write = { sink.lines.append($0) }
        Logging.clock = { WallClockTime(secondsSinceEpoch: LoggingGlobalsTests.documentedSeconds, nanoseconds: 123_456_789) }
    }

    deinit {
        (Logging.filter, Logging.write, Logging.clock) = saved
    }

    @Test func formatMatchesTheDocumentedLine() {
        let line = Logging.format(time: WallClockTime(secondsSinceEpoch: Self.documentedSeconds), level: .info,
                                  source: "application", message: "hello")
        #expect(line == "2026-11-21 10:54:44 +00:00: INF [application] hello\n")
    }

    @Test func formatUsesTheLevelTagAndSource() {
        let line = Logging.format(time: WallClockTime(secondsSinceEpoch: -1, nanoseconds: 500), level: .debug,
                                  source: "net", message: "a: b")
        #expect(line == "1969-12-31 23:59:59 +00:00: DBG [net] a: b\n")
    }

    @Test func loggerWritesFormattedLinesStampedByTheClock() {
        let log = Logger(source: "net")
        log.info("listening on 8080")
        log.warning("slow")
        #expect(sink.lines == [
            "2026-11-21 10:54:44 +00:00: INF [net] listening on 8080\n",
            "2026-11-21 10:54:44 +00:00: WRN [net] slow\n",
        ])
    }

    @Test func everyLevelMethodUsesItsLevel() throws {
        Logging.filter = try LogFilter(parsing: "debug")
        let log = Logger(source: "s")
        log.app("a")
        log.error("e")
        log.warning("w")
        log.info("i")
        log.debug("d")
        let stamp = "2026-11-21 10:54:44 +00:00: "
        #expect(sink.lines == [stamp + "APP [s] a\n", stamp + "ERR [s] e\n", stamp + "WRN [s] w\n",
                               stamp + "INF [s] i\n", stamp + "DBG [s] d\n"])
    }

    @Test func messagesBelowTheThresholdAreNeitherBuiltNorWritten() {
        var built = 0
        func message(_ text: String) -> String { built += 1; return text }
        let log = Logger(source: "net")
        log.debug(message("hidden"))
        log.log(.debug, message("hidden too"))
        let builtWhileHidden = built
        let linesWhileHidden = sink.lines
        log.info(message("shown"))
        #expect(builtWhileHidden == 0)
        #expect(linesWhileHidden.isEmpty)
        #expect(built == 1)
        #expect(sink.lines == ["2026-11-21 10:54:44 +00:00: INF [net] shown\n"])
    }

    @Test func quietSourceBuildsNothing() throws {
        Logging.filter = try LogFilter(parsing: "*:debug,net:quiet")
        var built = 0
        func message() -> String { built += 1; return "m" }
        let net = Logger(source: "net")
        net.app(message())
        net.error(message())
        let builtForNet = built
        let linesForNet = sink.lines
        Logger(source: "disk").debug(message())
        #expect(builtForNet == 0)
        #expect(linesForNet.isEmpty)
        #expect(!net.isEnabled(.app))
        #expect(built == 1)
        #expect(sink.lines == ["2026-11-21 10:54:44 +00:00: DBG [disk] m\n"])
    }

    @Test func isEnabledFollowsTheGlobalFilter() throws {
        Logging.filter = try LogFilter(parsing: "*:warning,net:debug")
        #expect(Logger(source: "net").isEnabled(.debug))
        #expect(Logger(source: "app").isEnabled(.warning))
        #expect(!Logger(source: "app").isEnabled(.info))
    }

    @Test func logWritesFromTheApplicationSource() {
        Log.info("hello")
        Log.error("oops")
        Log.debug("not shown")
        #expect(Logger.application.source == "application")
        #expect(sink.lines == [
            "2026-11-21 10:54:44 +00:00: INF [application] hello\n",
            "2026-11-21 10:54:44 +00:00: ERR [application] oops\n",
        ])
    }

    @Test func everyLogFunctionWritesItsLevel() throws {
        Logging.filter = try LogFilter(parsing: "debug")
        Log.app("a")
        Log.warning("w")
        Log.debug("d")
        #expect(sink.lines == [
            "2026-11-21 10:54:44 +00:00: APP [application] a\n",
            "2026-11-21 10:54:44 +00:00: WRN [application] w\n",
            "2026-11-21 10:54:44 +00:00: DBG [application] d\n",
        ])
    }

    @Test func clockIsReadForEachLine() {
        var seconds: Int64 = 0
        Logging.clock = { defer { seconds += 61 }; return WallClockTime(secondsSinceEpoch: seconds) }
        Log.app("one")
        Log.app("two")
        #expect(sink.lines == [
            "1970-01-01 00:00:00 +00:00: APP [application] one\n",
            "1970-01-01 00:01:01 +00:00: APP [application] two\n",
        ])
    }

    @Test func quietFilterWritesNothing() throws {
        Logging.filter = try LogFilter(parsing: "quiet")
        Log.app("a")
        Log.error("e")
        #expect(sink.lines.isEmpty)
    }
}
