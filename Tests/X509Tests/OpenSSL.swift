import Foundation

/// Runs the host's `openssl` in a scratch folder, for the interoperability tests.
struct OpenSSL {
    /// The scratch folder; removed by `cleanUp()`.
    let folder: URL

    /// nil (after printing why) when there is no openssl on PATH.
    static func make() throws -> OpenSSL? {
        guard let path = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("X509Tests: skipped: no openssl in /usr/bin or /usr/local/bin")
            return nil
        }
        executable = path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-x509-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return OpenSSL(folder: folder)
    }

    nonisolated(unsafe) private static var executable = "/usr/bin/openssl"

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `openssl arguments...` in the folder (at most 60 s); output is collected.
    @discardableResult
    func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: OpenSSL.executable)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting, so a full pipe cannot stall the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs openssl and throws with its error output unless it succeeds.
    func succeed(_ arguments: [String]) throws {
        let output = try run(arguments)
        if output.status != 0 { throw Failure(message: "openssl \(arguments.joined(separator: " ")): \(output.stderr)") }
    }

    func write(_ text: String, to name: String) throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: folder.appendingPathComponent(name))
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    func readBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: folder)
    }

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
