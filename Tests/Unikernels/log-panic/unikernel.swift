import SwiftletRuntime

/// Logs info lines, which stay in the console buffer (no wait in `yield` follows them), then
/// ends: by returning 3, or with `--panic` by a fatal error. Either way every line must reach
/// the console: at exit, from the unix binding's fault handler, or (`--warn`) because a warning
/// is written at once with what was gathered before it — a trap on spt prints nothing and runs
/// none of the unikernel's code.
struct LogPanic {
    func start() async -> Int32 {
        for line in 1...3 { Log.info("buffered line \(line)") }
        if Keys.warn { Log.warning("last line before the end") }
        if Keys.panic { fatalError("PANIC: on purpose") }
        return 3
    }
}
