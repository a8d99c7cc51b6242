import Foundation
import Testing

/// Runs a check written in Python against the preinstalled `cryptography` and `joserfc`
/// packages: an implementation of JOSE that is not ours.
enum PythonCheck {
    /// `python3 -c script` with `input` on standard input; its standard output. `nil` (after
    /// printing why) when python3 or one of `modules` is missing, so the caller skips.
    static func run(_ script: String, input: String = "", arguments: [String] = [], modules: [String], timeout: Double = 60) throws -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { String($0) + "/python3" }
        let python = (path + ["/usr/bin/python3"]).first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else {
            print("skipped: no python3")
            return nil
        }
        let probe = try launch(python, ["-c", modules.map { "import " + $0 }.joined(separator: "; ")], input: "", timeout: timeout)
        guard probe.status == 0 else {
            print("skipped: python3 lacks \(modules.joined(separator: " or ")): \(probe.stderr.split(separator: "\n").last ?? "")")
            return nil
        }
        let result = try launch(python, ["-c", script] + arguments, input: input, timeout: timeout)
        #expect(result.status == 0, "python failed: \(result.stderr)")
        return result.status == 0 ? result.stdout : nil
    }

    private static func launch(_ executable: String, _ arguments: [String], input: String, timeout: Double) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        // The outputs are small (a few lines); read them after exit, bounded in time.
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("python3 did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        let out = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, out, err)
    }
}
