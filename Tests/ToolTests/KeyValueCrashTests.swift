import Foundation
import Testing
@testable import SwiftletTool

/// The writable store's crash safety, on a real unikernel: `Tests/Unikernels/kv-crash` runs a
/// fixed workload on one disk and is killed (SIGKILL) at random moments, many times; each
/// restart checks that the store holds exactly the operations that finished, or those and the
/// one the kill interrupted, and then goes on. On spt the store writes one sector per hypercall,
/// so kills also land in the middle of a record.
@Suite(.serialized) struct KeyValueCrashTests {
    @Test(arguments: [Target.unix, .spt])
    func storeSurvivesKillsAtRandomMoments(target: Target) throws {
        let folder = try Support.copy("Tests/Unikernels/kv-crash")
        defer { Support.remove(folder) }
        let configure = try Support.swiftlet(["configure", "-t", target.rawValue], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let build = try Support.swiftlet(["build"], in: folder, timeout: 600)
        try #require(build.status == 0, "\(build.stderr)")
        let disk = folder.appendingPathComponent("disk.img")
        // 16 MiB: the workload's live values (~2 MB) fill a log half every few hundred operations.
        try #require(FileManager.default.createFile(atPath: disk.path, contents: nil))
        try FileHandle(forWritingTo: disk).truncate(atOffset: 16 << 20)

        var seed = UInt64(Date().timeIntervalSince1970 * 1000)
        print("kv-crash \(target.rawValue): seed \(seed)")
        func random(_ range: ClosedRange<Int>) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return range.lowerBound + Int((seed >> 33) % UInt64(range.count))
        }
        let runs = target == .unix ? 40 : 20
        var done = 0
        var killedWhileWriting = 0
        for run in 0..<runs {
            // Most kills land while operations run (after the start-up check printed STATE); one
            // run in eight is killed at a random moment from its start, check included.
            let fromStart = run % 8 == 7
            let delay = Double(fromStart ? random(1...50) : random(0...40)) / 1000
            let outcome = try runKilled(after: delay, fromState: !fromStart, target: target, folder: folder, disk: disk,
                                        arguments: ["--done=\(done)", "--operations=100000"])
            // Only whole lines: a kill can cut `DONE 1234` to `DONE 12`.
            var lines = outcome.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.removeLast()
            print("kv-crash \(target.rawValue) run \(run): done \(done), " + (outcome.killed ? "killed" : "exited \(outcome.status)")
                  + ", " + (lines.last { $0.hasPrefix("STATE") || $0.hasPrefix("DONE") || $0.hasPrefix("INCONSISTENT") } ?? "no progress"))
            try #require(!lines.contains { $0.hasPrefix("INCONSISTENT") || $0.hasPrefix("FAILED") },
                         "run \(run) (done \(done)):\n\(outcome.output.suffix(2000))")
            if let state = lines.last(where: { $0.hasPrefix("STATE ") }).flatMap({ Int($0.dropFirst(6)) }) {
                try #require(state == done || state == done + 1, "run \(run): state \(state) after \(done)")
                done = state
            }
            if let last = lines.last(where: { $0.hasPrefix("DONE ") }).flatMap({ Int($0.dropFirst(5)) }) {
                done = last + 1
                if outcome.killed { killedWhileWriting += 1 }
            }
            if !outcome.killed {
                try #require(outcome.status == 0, "run \(run) exited \(outcome.status):\n\(outcome.output.suffix(2000))")
            }
        }
        // One last start, not killed: the store is still consistent.
        let final = try runKilled(after: 60, fromState: false, target: target, folder: folder, disk: disk, arguments: ["--done=\(done)", "--operations=0"])
        #expect(!final.killed && final.status == 0, "\(final.output.suffix(2000))")
        #expect(final.output.contains("STATE "), "\(final.output.suffix(2000))")
        print("kv-crash \(target.rawValue): \(runs) runs, \(killedWhileWriting) killed while writing, \(done) operations")
        #expect(killedWhileWriting >= runs / 3, "too few kills landed while the store was being written")
        #expect(done >= 300)
    }

    struct Outcome {
        var output: String
        var killed: Bool
        var status: Int32
    }

    /// Runs the unikernel and kills it with SIGKILL `delay` seconds after its start, or after
    /// it printed its `STATE` line when `fromState`, unless it ended first.
    private func runKilled(after delay: Double, fromState: Bool, target: Target, folder: URL, disk: URL, arguments: [String]) throws -> Outcome {
        let process = Process()
        switch target {
        case .spt:
            process.executableURL = URL(fileURLWithPath: Support.swiftletSPT)
            process.arguments = ["--block:store=\(disk.path)", "dist/kv-crash.spt", "--"] + arguments
        default:
            process.executableURL = folder.appendingPathComponent("dist/kv-crash")
            process.arguments = ["--block:store=\(disk.path)"] + arguments
        }
        process.currentDirectoryURL = folder
        let outputFile = folder.appendingPathComponent("output-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = process.standardOutput
        try process.run()
        if fromState {
            let limit = Date().addingTimeInterval(60)
            while process.isRunning && Date() < limit,
                  !((try? String(contentsOf: outputFile, encoding: .utf8))?.contains("STATE ") ?? false) {
                usleep(1000)
            }
        }
        let deadline = Date().addingTimeInterval(delay)
        while process.isRunning && Date() < deadline { usleep(1000) }
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return Outcome(output: try String(contentsOf: outputFile, encoding: .utf8), killed: killed, status: process.terminationStatus)
    }
}
