import Foundation
import SwiftletRuntime
import Testing
@testable import SwiftletTool

/// Runs programs for the integration tests, with a time limit, and copies unikernel folders
/// to scratch space so parallel tests never share a `_build/`.
enum Support {
    /// The Swiftlet checkout.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `swiftlet` built beside this test binary.
    static var swiftlet: String { builtCommand("swiftlet") }

    /// The `swiftlet-spt` tender, as the tool builds it (Embedded Swift), once per test run.
    static let swiftletSPT: String = {
        let result = try? run(swiftlet, ["tender", "spt"], timeout: 600)
        guard let result, result.status == 0 else {
            fatalError("building swiftlet-spt failed: \(result?.stderr ?? "could not run swiftlet")")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    static func builtCommand(_ name: String) -> String {
        let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent(name).path
    }

    struct Result {
        /// The exit status, or the signal number when `signal` is true.
        var status: Int32
        var killedBySignal = false
        /// Standard output's bytes, as the program wrote them.
        var stdoutBytes: Data
        var stderr: String
        var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
        var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
    }

    /// Runs `executable` in `directory`; kills it after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String] = [], in directory: URL? = nil, timeout: Double = 300) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            let grace = Date().addingTimeInterval(2)
            while process.isRunning && Date() < grace { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            Issue.record("\(executable) \(arguments) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, killedBySignal: process.terminationReason == .uncaughtSignal,
                      stdoutBytes: try Data(contentsOf: out),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// Runs the `swiftlet` tool.
    static func swiftlet(_ arguments: [String], in directory: URL, timeout: Double = 300) throws -> Result {
        try run(swiftlet, arguments, in: directory, timeout: timeout)
    }

    /// A scratch copy of `Examples/NAME` (or another folder of the checkout).
    static func copy(_ relativePath: String) throws -> URL {
        let destination = FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftlet-test-\(UUID().uuidString)")
            .appendingPathComponent(URL(fileURLWithPath: relativePath).lastPathComponent)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        let source = root.appendingPathComponent(relativePath)
        for item in try FileManager.default.contentsOfDirectory(atPath: source.path) where !["_build", "dist"].contains(item) {
            try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: source.appendingPathComponent(item), to: destination.appendingPathComponent(item))
        }
        return destination
    }

    /// Removes a scratch copy made by ``copy(_:)``.
    static func remove(_ copy: URL) {
        try? FileManager.default.removeItem(at: copy.deletingLastPathComponent())
    }

    /// A scratch unikernel folder with the given files.
    static func folder(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftlet-test-\(UUID().uuidString)").appendingPathComponent("app")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return directory
    }
}

extension Support {
    /// Runs `executable` and notes when each line of its standard output arrived (seconds from start).
    static func runTimingLines(_ executable: String, _ arguments: [String] = [], timeout: Double) throws -> (status: Int32, lines: [(String, Double)]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        let start = Date()
        try process.run()
        // Bounded: the watchdog ends the process, which ends the reads below.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        var lines: [(String, Double)] = []
        var pending = ""
        while true {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { break }
            let now = Date().timeIntervalSince(start)
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                lines.append((String(pending[..<newline]), now))
                pending = String(pending[pending.index(after: newline)...])
            }
        }
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, lines)
    }
}

extension Support {
    /// Why QEMU tests cannot run here, if they cannot.
    static var qemuSkipReason: String? {
        (try? run("/bin/sh", ["-c", "command -v qemu-system-x86_64"], timeout: 10).status) == 0
            ? nil : "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
    }

    /// Boots a virtio image in QEMU (software emulation) on `machine` ("microvm": virtio-mmio,
    /// "q35": PCI) with `arguments` on its command line and `extra` QEMU options; the status is
    /// the unikernel's (isa-debug-exit's (s << 1) | 1 decoded), the serial console's CRs dropped.
    static func qemu(_ image: String, machine: String = "microvm", arguments: [String] = [], extra: [String] = [],
                     in directory: URL? = nil, timeout: Double = 120) throws -> Result {
        var command = ["qemu-system-x86_64", "-M", machine, "-m", "128M", "-nodefaults", "-no-user-config",
                       "-display", "none", "-serial", "stdio", "-no-reboot",
                       "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", image]
        if !arguments.isEmpty { command += ["-append", joinCommandLine(arguments)] }
        // A CPU with RDRAND, the unikernels' entropy source, unless the test chooses one.
        if !extra.contains("-cpu") { command += ["-cpu", "max"] }
        var result = try run("/usr/bin/env", command + extra, in: directory, timeout: timeout)
        result.stdoutBytes = result.stdoutBytes.filter { $0 != UInt8(ascii: "\r") }
        if !result.killedBySignal { result.status = QEMUCommand.unikernelStatus(fromQEMUStatus: result.status) }
        return result
    }
}
