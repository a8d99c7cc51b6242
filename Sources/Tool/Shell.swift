import Foundation

/// Runs host programs for the tool.
enum Shell {
    struct Output {
        var status: Int32
        var text: String
    }

    /// Runs `executable` with `arguments`, capturing standard output and error together.
    static func capture(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                        in directory: URL? = nil) throws(ToolError) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw ToolError("cannot run \(executable): \(error.localizedDescription)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, text: String(decoding: data, as: UTF8.self))
    }

    /// Runs a compiler step; on failure throws with the compiler's own message.
    /// One line on standard error saying what a long step is doing, so the user does not wait
    /// in silence (`SWIFTLET_QUIET=1` turns these off).
    static func progress(_ text: String) {
        guard ProcessInfo.processInfo.environment["SWIFTLET_QUIET"] == nil else { return }
        FileHandle.standardError.write(Data("swiftlet: \(text)\n".utf8))
    }

    static func compile(_ executable: String, _ arguments: [String], what: String) throws(ToolError) {
        if ProcessInfo.processInfo.environment["SWIFTLET_VERBOSE"] != nil {
            FileHandle.standardError.write(Data(([executable] + arguments).joined(separator: " ").appending("\n").utf8))
        }
        let output = try capture(executable, arguments)
        guard output.status == 0 else {
            throw ToolError("\(what) failed:\n\(output.text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// Finds `name` on the `PATH`.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The Swift compiler: `$SWIFTC`, else `swiftc` on the `PATH`, else beside this toolchain.
    static func swiftc() throws(ToolError) -> String {
        if let explicit = ProcessInfo.processInfo.environment["SWIFTC"] { return explicit }
        if let found = which("swiftc") { return found }
        if FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/swiftc") { return "/opt/swift/usr/bin/swiftc" }
        throw ToolError("no Swift compiler found", hint: "put the toolchain's usr/bin on PATH, or set SWIFTC")
    }

    /// The C compiler for the small C shims: `$CC`, else the toolchain's clang, else `cc`.
    static func cc() throws(ToolError) -> String {
        if let explicit = ProcessInfo.processInfo.environment["CC"] { return explicit }
        if let swiftc = try? swiftc() {
            let clang = URL(fileURLWithPath: swiftc).deletingLastPathComponent().appendingPathComponent("clang").path
            if FileManager.default.isExecutableFile(atPath: clang) { return clang }
        }
        if let found = which("cc") { return found }
        throw ToolError("no C compiler found", hint: "install one (apt-get install clang), or set CC")
    }
}

/// Moves a finished build output over `destination`, so a failed build never leaves half a file
/// where the previous good one was.
func replace(_ destination: URL, with finished: URL) throws(ToolError) {
    _ = try? FileManager.default.removeItem(at: destination)
    do {
        try FileManager.default.moveItem(at: finished, to: destination)
    } catch {
        throw ToolError("cannot write \(destination.path): \(error.localizedDescription)")
    }
}

/// A stable 64-bit FNV-1a hash, for fingerprints that must not change between runs.
struct Fingerprint {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
        value ^= 0xff  // separator, so ("ab","c") and ("a","bc") differ
        value &*= 0x100_0000_01b3
    }

    mutating func add(_ text: String) { add(text.utf8) }

    var hex: String { String(value, radix: 16) }
}
