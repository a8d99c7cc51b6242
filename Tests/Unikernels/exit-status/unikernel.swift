import SwiftletRuntime

struct StartFailure: Error, CustomStringConvertible {
    var description: String { "asked to fail by --fail" }
}

/// Exits with `--status`, or throws from `start` with `--fail`.
struct ExitStatus {
    func start() async throws(StartFailure) -> Int32 {
        if Keys.fail { throw StartFailure() }
        print("SUCCESS: exit-status \(Keys.status)")
        return Int32(truncatingIfNeeded: Keys.status)
    }
}
