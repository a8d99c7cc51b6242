import Foundation
import Testing
@testable import SwiftletTool

/// The tutorial's block step: `Examples/block` built for each target and run on a disk image,
/// as the tutorial shows, then the image read back on the host to see that every pattern
/// landed where the unikernel said and nothing else changed.
@Suite struct BlockExampleTests {
    /// 16 MiB: 32,768 sectors of 512 bytes.
    static let diskSize = 16 << 20

    /// A scratch copy of the example, configured and built for `target`.
    func built(for target: String) throws -> URL {
        let folder = try Support.copy("Examples/block")
        let configure = try Support.swiftlet(["configure", "-t", target], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let build = try Support.swiftlet(["build"], in: folder)
        try #require(build.status == 0, "\(build.stderr)")
        return folder
    }

    /// A fresh sparse disk image of ``diskSize`` zero bytes in `folder`, made as the tutorial says.
    func makeDisk(in folder: URL, name: String = "disk.img") throws -> String {
        let path = folder.appendingPathComponent(name).path
        try? FileManager.default.removeItem(atPath: path)
        let made = try Support.run("/usr/bin/truncate", ["-s", "16M", path], timeout: 10)
        try #require(made.status == 0, "truncate: \(made.stderr)")
        return path
    }

    /// The example's pattern for sector `sector` written by test `test` (see `BlockTest.pattern`).
    static func sector(_ sector: Int, writtenBy test: Int) -> [UInt8] {
        let label = Array("block test \(test) sector \(sector)\n".utf8)
        let seed = test &* 37 &+ sector &* 13
        return (0..<512).map { $0 < label.count ? label[$0] : UInt8(truncatingIfNeeded: seed &+ $0) }
    }

    /// The whole disk after a passing run: which test's pattern each written sector holds last.
    static func expectedDisk() -> [UInt8] {
        let count = diskSize / 512, middle = count / 2
        var bytes = [UInt8](repeating: 0, count: diskSize)
        func put(_ sectors: Range<Int>, _ test: Int) {
            for sector in sectors { bytes.replaceSubrange((sector * 512)..<((sector + 1) * 512), with: Self.sector(sector, writtenBy: test)) }
        }
        put(middle..<(middle + 1), 2)
        put(1..<9, 3)
        put((middle + 1)..<(middle + 65), 4)
        put((count - 64)..<count, 5)
        put((count - 1)..<count, 6)
        put(0..<1, 8)
        put(4..<5, 9)
        return bytes
    }

    /// Checks a run's totals (at least `minimum` tests, none failed) and its exit status.
    func expectAllPassed(_ result: Support.Result, minimum: Int = 10, sourceLocation: SourceLocation = #_sourceLocation) {
        let output = result.stdout + result.stderr
        #expect(result.status == 0 && !result.killedBySignal, "exit \(result.status)\n\(output)", sourceLocation: sourceLocation)
        let lines = result.lines
        #expect(lines.contains { ExampleTests.isLogLine($0, source: "block", message: "sectors = 32768, sector_size = 512, read_write = true") },
                "\(output)", sourceLocation: sourceLocation)
        let passed = lines.compactMap { line in
            line.firstMatch(of: #/INF \[block\] Total tests passed: (\d+)$/#).flatMap { Int($0.1) }
        }
        #expect(passed.count == 1 && passed[0] >= minimum, "\(output)", sourceLocation: sourceLocation)
        let started = lines.filter { $0.contains("INF [block] Total tests started: \(passed.first ?? -1)") }
        #expect(started.count == 1, "started and passed differ:\n\(output)", sourceLocation: sourceLocation)
        #expect(lines.contains { ExampleTests.isLogLine($0, source: "block", message: "Total tests failed: 0") }, "\(output)",
                sourceLocation: sourceLocation)
        #expect(!output.contains("FAILED") && !output.contains("skipped"), "\(output)", sourceLocation: sourceLocation)
    }

    /// The host's view of the disk matches what the tests wrote, byte for byte.
    func expectPatternsOnDisk(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let expected = Self.expectedDisk()
        #expect(bytes.count == expected.count, sourceLocation: sourceLocation)
        if let first = (0..<min(bytes.count, expected.count)).first(where: { bytes[$0] != expected[$0] }) {
            Issue.record("the disk differs at byte \(first) (sector \(first / 512))", sourceLocation: sourceLocation)
        }
        // Spot checks that say the same in the tutorial's words.
        #expect(Array(bytes[0..<21]) == Array("block test 8 sector 0".utf8), sourceLocation: sourceLocation)
        #expect(Array(bytes[(32767 * 512)..<(32767 * 512 + 25)]) == Array("block test 6 sector 32767".utf8), sourceLocation: sourceLocation)
    }

    @Test func passesOnUnixLeavesThePatternsOnTheFileAndSkipsWritesWhenReadOnly() throws {
        let folder = try built(for: "unix")
        defer { Support.remove(folder) }
        let image = folder.appendingPathComponent("dist/block").path
        let disk = try makeDisk(in: folder)
        let result = try Support.run(image, ["--block:storage=\(disk)"], in: folder, timeout: 60)
        expectAllPassed(result)
        #expect(result.lines.filter { $0.contains("INF [block] test ") && $0.contains(": passed") }.count >= 10)
        try expectPatternsOnDisk(disk)

        // Without a disk it says how to attach one (by default it reads the configuration's disk.img).
        let bare = try Support.run(image, ["--block:storage="], in: folder, timeout: 30)
        #expect(bare.status == 1)
        #expect((bare.stdout + bare.stderr).contains("block device 'storage' is not attached: run the unikernel with --block:storage=FILE"),
                "\(bare.stdout)\(bare.stderr)")
        // A file that is not whole sectors, and one too small for the tests, are refused clearly.
        let odd = folder.appendingPathComponent("odd.img").path
        #expect(FileManager.default.createFile(atPath: odd, contents: Data(count: 1000)))
        let refused = try Support.run(image, ["--block:storage=\(odd)"], in: folder, timeout: 30)
        #expect(refused.status == 1)
        #expect((refused.stdout + refused.stderr).contains("is 1000 bytes, not a whole number of 512-byte sectors"))
        let small = folder.appendingPathComponent("small.img").path
        #expect(FileManager.default.createFile(atPath: small, contents: Data(count: 64 * 512)))
        let tooSmall = try Support.run(image, ["--block:storage=\(small)"], in: folder, timeout: 30)
        #expect(tooSmall.status == 1)
        #expect((tooSmall.stdout + tooSmall.stderr).contains("the disk is too small for the test"))

        // `swiftlet run` passes the disk on unix too (the run configures again, as -t is given).
        let again = try makeDisk(in: folder)
        let run = try Support.swiftlet(["run", "-t", "unix", "--", "--block:storage=\(again)"], in: folder, timeout: 300)
        expectAllPassed(run)
        try expectPatternsOnDisk(again)

        try expectReadOnlyDiskSkipsTheWriteTests(folder)
    }

    /// A file the unikernel cannot open for writing is attached read-only: the write tests are
    /// skipped, a write is refused with `.readOnly`, and nothing fails. Root may write any file,
    /// so as root the unikernel runs as `nobody` (setpriv drops root's capabilities).
    func expectReadOnlyDiskSkipsTheWriteTests(_ folder: URL) throws {
        var prefix: [String] = []
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
                print("BlockExampleTests read-only: skipped, running as root without setpriv (util-linux) to drop privileges")
                return
            }
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        }
        // Scratch folders are private to their creator; let `nobody` reach the image and the disk.
        for directory in [folder.deletingLastPathComponent(), folder, folder.appendingPathComponent("dist")] {
            #expect(chmod(directory.path, 0o755) == 0)
        }
        let disk = try makeDisk(in: folder, name: "read-only.img")
        #expect(chmod(disk, 0o444) == 0)
        let command = prefix + [folder.appendingPathComponent("dist/block").path, "--block:storage=\(disk)"]
        let result = try Support.run(command[0], Array(command.dropFirst()), in: folder, timeout: 60)
        let output = result.stdout + result.stderr
        #expect(result.status == 0, "\(output)")
        #expect(result.lines.contains { ExampleTests.isLogLine($0, source: "block", message: "sectors = 32768, sector_size = 512, read_write = false") },
                "\(output)")
        #expect(result.lines.contains { ExampleTests.isLogLine($0, source: "block",
                                                                 message: "test 20: writing to the read-only device fails: passed (the device is read-only)") },
                "\(output)")
        #expect(result.lines.filter { $0.hasSuffix(": skipped (the device is read-only)") }.count == 14, "\(output)")
        #expect(result.lines.contains { ExampleTests.isLogLine($0, source: "block", message: "Total tests started: 6") }, "\(output)")
        #expect(result.lines.contains { ExampleTests.isLogLine($0, source: "block", message: "Total tests passed: 6") }, "\(output)")
        #expect(result.lines.contains { ExampleTests.isLogLine($0, source: "block", message: "Total tests failed: 0") }, "\(output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: disk)) == Data(count: Self.diskSize), "the disk was not written")
    }

    @Test func passesOnSPT() throws {
        let folder = try built(for: "spt")
        defer { Support.remove(folder) }
        let disk = try makeDisk(in: folder)
        let result = try Support.run(Support.swiftletSPT, ["--block:storage=\(disk)", "dist/block.spt"], in: folder, timeout: 120)
        expectAllPassed(result)
        try expectPatternsOnDisk(disk)

        // `swiftlet run` moves the device option before the image; `-l` still reaches the unikernel.
        let again = try makeDisk(in: folder)
        let run = try Support.swiftlet(["run", "--", "--block:storage=\(again)", "-l", "*:info"], in: folder, timeout: 300)
        expectAllPassed(run)
        try expectPatternsOnDisk(again)
        // Plain `swiftlet run` attaches the disk the configuration owns (disk.img, made afresh here).
        _ = try makeDisk(in: folder)
        let owned = try Support.swiftlet(["run"], in: folder, timeout: 300)
        expectAllPassed(owned)
        try expectPatternsOnDisk(disk)
        // The tender itself refuses to start it without the disk.
        let bare = try Support.run(Support.swiftletSPT, ["dist/block.spt"], in: folder, timeout: 120)
        #expect(bare.status == 1)
        #expect(bare.stderr.contains("the unikernel declares block device 'storage' but it is not attached: add --block:storage=FILE"),
                "\(bare.stderr)")
        // `swiftlet clean` removes the disk with _build and dist, as `mirage clean` does; configure makes it again.
        let clean = try Support.swiftlet(["clean"], in: folder, timeout: 60)
        #expect(clean.status == 0 && clean.stdout.contains("disk.img"), "\(clean.stdout)\(clean.stderr)")
        #expect(!FileManager.default.fileExists(atPath: disk))
        let configure = try Support.swiftlet(["configure", "-t", "spt"], in: folder)
        #expect(configure.status == 0 && FileManager.default.fileExists(atPath: disk), "configure makes disk.img again")
    }

    /// hvt runs in a KVM virtual machine: here KVM emulates the guest, so it is slow, but the
    /// test only moves about 200 sectors.
    @Test func passesOnHVT() throws {
        guard kvmUsable else {
            print("BlockExampleTests on hvt: skipped, no usable /dev/kvm here")
            return
        }
        let folder = try built(for: "hvt")
        defer { Support.remove(folder) }
        let disk = try makeDisk(in: folder)
        let result = try Support.run(HVTTenderTests.tender, ["--block:storage=\(disk)", "dist/block.hvt"], in: folder, timeout: 300)
        expectAllPassed(result)
        try expectPatternsOnDisk(disk)
    }

    /// virtio-blk in QEMU: legacy virtio-mmio (QEMU's default on microvm), modern virtio-mmio
    /// (Firecracker's kind), and PCI on q35.
    @Test(arguments: ["microvm-legacy", "microvm", "q35"])
    func passesOnVirtio(variant: String) throws {
        if let reason = Support.qemuSkipReason { print("BlockExampleTests on virtio: skipped, \(reason)"); return }
        let folder = try built(for: "virtio")
        defer { Support.remove(folder) }
        let disk = try makeDisk(in: folder)
        let machine = variant == "q35" ? "q35" : "microvm,acpi=off"  // microvm lists its devices for us only without ACPI
        var extra = ["-drive", "file=\(disk),if=none,format=raw,id=d0",
                     "-device", (variant == "q35" ? "virtio-blk-pci" : "virtio-blk-device") + ",drive=d0"]
        if variant == "microvm" { extra += ["-global", "virtio-mmio.force-legacy=false"] }
        let result = try Support.qemu("dist/block.virtio", machine: machine, extra: extra, in: folder, timeout: 300)
        expectAllPassed(result)
        try expectPatternsOnDisk(disk)
        if variant != "q35" { return }

        // `swiftlet run` attaches the disk with the same words as on the other targets, and
        // refuses to start without one.
        let again = try makeDisk(in: folder)
        let run = try Support.swiftlet(["run", "--", "--block:storage=\(again)", "-l", "*:info"], in: folder, timeout: 300)
        expectAllPassed(Support.Result(status: run.status, stdoutBytes: run.stdoutBytes.filter { $0 != UInt8(ascii: "\r") },
                                       stderr: run.stderr))
        try expectPatternsOnDisk(again)
        // Plain `swiftlet run` attaches the disk the configuration owns (disk.img, made afresh here).
        let owned = try makeDisk(in: folder)
        let ownedRun = try Support.swiftlet(["run"], in: folder, timeout: 300)
        expectAllPassed(Support.Result(status: ownedRun.status, stdoutBytes: ownedRun.stdoutBytes.filter { $0 != UInt8(ascii: "\r") },
                                       stderr: ownedRun.stderr))
        try expectPatternsOnDisk(owned)
        // Without that disk it refuses to start, and says how to attach one.
        try FileManager.default.removeItem(atPath: owned)
        let bare = try Support.swiftlet(["run"], in: folder, timeout: 300)
        #expect(bare.status == 1)
        #expect(bare.stderr.contains("block device 'storage' is not attached") && bare.stderr.contains("--block:storage=FILE"),
                "\(bare.stderr)")
    }

    @Test func runPutsTenderDeviceOptionsBeforeTheImage() {
        let command = Tool.tenderCommand(tender: "/bin/swiftlet-spt", image: "dist/block.spt", arguments: [
            "--block:storage=disk.img", "-l", "*:debug", "--net:service=tap0", "--hello=Bonjour",
            "--net-mac:service=02:00:00:00:00:01", "--block-sector-size:storage=4096", "--block:storage", "--mem=64",
        ])
        #expect(command == [
            "/bin/swiftlet-spt", "--block:storage=disk.img", "--net:service=tap0", "--net-mac:service=02:00:00:00:00:01",
            "--block-sector-size:storage=4096", "dist/block.spt", "--",
            "-l", "*:debug", "--hello=Bonjour", "--block:storage", "--mem=64",
        ])
        #expect(Tool.tenderCommand(tender: "t", image: "i", arguments: []) == ["t", "i", "--"])
    }

    @Test func helpRunSaysHowToAttachADisk() throws {
        let folder = try Support.copy("Examples/block")
        defer { Support.remove(folder) }
        let help = try Support.swiftlet(["help", "run"], in: folder)
        #expect(help.status == 0)
        #expect(help.stdout.contains("swiftlet run -t spt -- --block:storage=disk.img"))
        #expect(help.stdout.contains("`--block:NAME=FILE`, `--net:NAME=TAP`"))
        // The device's own runtime key, named for it.
        let configure = try Support.swiftlet(["help", "configure"], in: folder)
        #expect(configure.stdout.contains("--block:storage=STRING  The file that holds block device storage (unix). (default: \"disk.img\"; runtime key; unix)"),
                "\(configure.stdout)")
    }
}
