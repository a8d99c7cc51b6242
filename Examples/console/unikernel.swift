import SwiftletDevices
import SwiftletRuntime

/// Writes numbered lines straight to the console (no log formatting), with the wall-clock
/// second each was written at, then a summary line.
struct ConsoleWriter<Console: ConsoleDevice, Time: TimeDevice, Clock: WallClock> {
    let console: Console
    let time: Time
    let wallClock: Clock

    func start() async -> Int32 {
        guard Keys.count >= 0, Keys.intervalMs >= 0 else {
            console.writeLine("console: --count and --interval-ms must not be negative")
            return 2
        }
        for line in 1...max(Keys.count, 1) where line <= Keys.count {
            console.writeLine("line \(line) of \(Keys.count) at \(CivilTime(wallClock.now()))")
            await time.sleep(for: .milliseconds(Keys.intervalMs))
        }
        console.writeLine("console: wrote \(Keys.count) lines")
        return 0
    }
}
