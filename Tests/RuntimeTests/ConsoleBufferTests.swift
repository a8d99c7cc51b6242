import Testing
import SwiftletDevices
@testable import SwiftletRuntime

/// Counts the writes a console receives.
final class CountingConsole: @unchecked Sendable {
    var writes: [String] = []
    func write(_ bytes: UnsafeRawBufferPointer) { writes.append(String(decoding: bytes, as: UTF8.self)) }
}

/// ConsoleBuffer, like Logging's settings, is one per process: its tests attach it to their own
/// console and detach it before they return, in the serialized suite that owns those globals.
extension LoggingGlobalsTests {

    @Test func linesOfOneTurnGoOutInOneWriteBeforeTheLoopWaits() throws {
        let platform = SimulatedPlatform()
        let loop = RunLoop(platform: platform)
        let time = PlatformTime(loop: loop)
        let console = CountingConsole()
        ConsoleBuffer.attach { console.write($0) }
        defer { ConsoleBuffer.detach() }
        let seenAfterSleep = Trace<Int>()
        _ = try loop.run {
            for line in 1...3 { PlatformConsole(platform: platform).write("line \(line)\n") }
            seenAfterSleep.append(console.writes.count)   // nothing written yet: the turn is not over
            await time.sleep(for: .seconds(1))
            seenAfterSleep.append(console.writes.count)   // written once, before the wait
            PlatformConsole(platform: platform).write("line 4\n")
            return 0
        }
        #expect(seenAfterSleep.items == [0, 1])
        #expect(console.writes.first == "line 1\nline 2\nline 3\n")
        // The last line is still gathered when the main task returns; exit (detach here) writes it.
        ConsoleBuffer.detach()
        #expect(console.writes == ["line 1\nline 2\nline 3\n", "line 4\n"])
    }

    @Test func aFullBufferIsWrittenAtOnceAndLargeWritesKeepTheirOrder() {
        let console = CountingConsole()
        ConsoleBuffer.attach { console.write($0) }
        defer { ConsoleBuffer.detach() }
        let line = String(repeating: "x", count: 1023) + "\n"
        for _ in 0..<(ConsoleBuffer.capacity / 1024) { ConsoleBuffer.write(line) }
        #expect(console.writes.isEmpty)
        #expect(ConsoleBuffer.pendingCount == ConsoleBuffer.capacity)
        ConsoleBuffer.write("next\n")
        #expect(console.writes.count == 1 && console.writes[0].utf8.count == ConsoleBuffer.capacity)
        let huge = String(repeating: "y", count: ConsoleBuffer.capacity + 1)
        ConsoleBuffer.write(huge)
        #expect(console.writes.count == 3 && console.writes[1] == "next\n" && console.writes[2] == huge)
        #expect(ConsoleBuffer.pendingCount == 0)
    }

    @Test func warningsAreWrittenAtOnceWithWhatCameBefore() {
        let console = CountingConsole()
        ConsoleBuffer.attach { console.write($0) }
        defer { ConsoleBuffer.detach() }
        Logging.write = { ConsoleBuffer.write($0) }
        let log = Logger(source: "buffer-test")
        log.info("one")
        log.info("two")
        #expect(console.writes.isEmpty)
        log.warning("three")
        #expect(console.writes.count == 1)
        #expect(console.writes.first.map { $0.contains("INF [buffer-test] one") && $0.contains("WRN [buffer-test] three") } == true)
    }

    @Test func withoutAttachingWritesGoStraightToThePlatform() {
        let platform = SimulatedPlatform()
        PlatformConsole(platform: platform).write("direct\n")
        #expect(platform.console == "direct\n")
    }
}
