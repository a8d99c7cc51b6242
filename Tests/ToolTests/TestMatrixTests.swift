import Foundation
import Testing

/// Solo5-style test matrix: every tiny unikernel of Tests/Unikernels on every target that can
/// run here, each ending with a known marker and a known status (or signal).
@Suite struct TestMatrixTests {
    enum Outcome: CustomStringConvertible {
        case exits(Int32)
        case killedBy(Int32)
        var description: String {
            switch self {
            case .exits(let status): "exit \(status)"
            case .killedBy(let signal): "signal \(signal)"
            }
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var unikernel: String
        var target: String
        var tenderOptions: [String] = []
        /// QEMU's machine, on virtio: microvm (virtio-mmio) or q35 (PCI).
        var machine = "microvm"
        var arguments: [String] = []
        var expected: Outcome
        var marker: String
        /// Further lines the output must hold.
        var alsoMarkers: [String] = []
        var testDescription: String { "\(unikernel) on \(target)" + (target == "virtio" ? " (\(machine))" : "") }
    }

    static let cases: [Case] = [
        Case(unikernel: "Examples/noop", target: "unix", expected: .exits(0), marker: ""),
        Case(unikernel: "Examples/noop", target: "spt", expected: .exits(0), marker: "Swiftlet: memory map"),
        Case(unikernel: "Examples/hello-key", target: "spt", arguments: ["--hello=Bonjour"], expected: .exits(0),
             marker: "INF [application] Bonjour"),
        Case(unikernel: "Tests/Unikernels/time", target: "unix", expected: .exits(0), marker: "SUCCESS: time"),
        Case(unikernel: "Tests/Unikernels/time", target: "spt", expected: .exits(0), marker: "SUCCESS: time"),
        Case(unikernel: "Tests/Unikernels/heap", target: "unix", arguments: ["--megabytes=256"], expected: .exits(0),
             marker: "SUCCESS: heap 256 MiB"),
        // 1 GiB allocated and freed through a 64 MiB guest.
        Case(unikernel: "Tests/Unikernels/heap", target: "spt", tenderOptions: ["--mem=64"], expected: .exits(0),
             marker: "SUCCESS: heap 1024 MiB"),
        Case(unikernel: "Tests/Unikernels/stack-protector", target: "unix", expected: .killedBy(SIGABRT),
             marker: "smashing the stack"),
        Case(unikernel: "Tests/Unikernels/stack-protector", target: "spt", expected: .exits(255),
             marker: "Swiftlet: stack smashing detected; aborting"),
        Case(unikernel: "Tests/Unikernels/write-text", target: "unix", expected: .killedBy(SIGSEGV), marker: "writing into text"),
        // Console output gathered in the turn (ConsoleBuffer) is written at exit and on a trap.
        Case(unikernel: "Tests/Unikernels/log-panic", target: "unix", expected: .exits(3), marker: "INF [application] buffered line 3"),
        Case(unikernel: "Tests/Unikernels/log-panic", target: "unix", arguments: ["--panic"], expected: .killedBy(SIGILL),
             marker: "INF [application] buffered line 3", alsoMarkers: ["Fatal error: PANIC: on purpose"]),
        Case(unikernel: "Tests/Unikernels/log-panic", target: "spt", expected: .exits(3), marker: "INF [application] buffered line 3"),
        Case(unikernel: "Tests/Unikernels/log-panic", target: "spt", arguments: ["--panic", "--warn"], expected: .killedBy(SIGILL),
             marker: "INF [application] buffered line 3", alsoMarkers: ["WRN [application] last line before the end"]),
        Case(unikernel: "Tests/Unikernels/write-text", target: "spt", expected: .killedBy(SIGSEGV), marker: "writing into text"),
        // unix has no sandbox: a getpid there is allowed, so this runs on spt only.
        Case(unikernel: "Tests/Unikernels/forbidden-syscall", target: "spt", expected: .killedBy(SIGSYS), marker: "calling getpid"),
        Case(unikernel: "Tests/Unikernels/arguments", target: "unix", arguments: ["--text=a \"b\" c é", "--number=-5", "--flag"],
             expected: .exits(0), marker: "text=[a \"b\" c é] number=-5 flag=true"),
        Case(unikernel: "Tests/Unikernels/arguments", target: "spt", arguments: ["--text=a \"b\" c é", "--number=-5", "--flag"],
             expected: .exits(0), marker: "text=[a \"b\" c é] number=-5 flag=true"),
        Case(unikernel: "Tests/Unikernels/exit-status", target: "spt", arguments: ["--status=7"], expected: .exits(7),
             marker: "SUCCESS: exit-status 7"),
        // SwiftletCrypto's known answers with BearSSL linked freestanding.
        Case(unikernel: "Tests/Unikernels/crypto-kat", target: "unix", expected: .exits(0), marker: "SUCCESS: crypto-kat"),
        Case(unikernel: "Tests/Unikernels/crypto-kat", target: "spt", expected: .exits(0), marker: "SUCCESS: crypto-kat"),
        // SwiftletTLS: RFC 8448 and in-memory handshakes, freestanding.
        Case(unikernel: "Tests/Unikernels/tls-kat", target: "spt", expected: .exits(0), marker: "SUCCESS: tls-kat"),
        Case(unikernel: "Tests/Unikernels/exit-status", target: "spt", arguments: ["--fail"], expected: .exits(1),
             marker: "start() failed: asked to fail by --fail"),
        // hvt, in a KVM virtual machine. Where KVM emulates every guest instruction (kvm_pvm) it
        // runs a few million instructions a second, so the allocation-heavy heap test (the same
        // allocator as spt's) runs on spt only.
        Case(unikernel: "Examples/noop", target: "hvt", expected: .exits(0), marker: "Swiftlet: memory map"),
        Case(unikernel: "Examples/hello-key", target: "hvt", arguments: ["--hello=Bonjour"], expected: .exits(0),
             marker: "INF [application] Bonjour"),
        Case(unikernel: "Tests/Unikernels/time", target: "hvt", expected: .exits(0), marker: "SUCCESS: time"),
        Case(unikernel: "Tests/Unikernels/stack-protector", target: "hvt", expected: .exits(255),
             marker: "Swiftlet: stack smashing detected; aborting"),
        Case(unikernel: "Tests/Unikernels/write-text", target: "hvt", expected: .exits(1), marker: "the guest touched memory it may not"),
        Case(unikernel: "Tests/Unikernels/arguments", target: "hvt", arguments: ["--text=a \"b\" c é", "--number=-5", "--flag"],
             expected: .exits(0), marker: "text=[a \"b\" c é] number=-5 flag=true"),
        Case(unikernel: "Tests/Unikernels/exit-status", target: "hvt", arguments: ["--status=7"], expected: .exits(7),
             marker: "SUCCESS: exit-status 7"),
    ] + virtioCases

    /// virtio, in QEMU with software emulation, on both machines. A fault is reported by the
    /// unikernel's own trap handler (status 255): its page tables give text no write right.
    static let virtioCases: [Case] = ["microvm", "q35"].flatMap { machine in [
        Case(unikernel: "Examples/noop", target: "virtio", machine: machine, expected: .exits(0), marker: "Swiftlet: memory map"),
        Case(unikernel: "Examples/hello-key", target: "virtio", machine: machine, arguments: ["--hello=Bonjour"], expected: .exits(0),
             marker: "INF [application] Bonjour"),
        Case(unikernel: "Tests/Unikernels/time", target: "virtio", machine: machine, expected: .exits(0), marker: "SUCCESS: time"),
        Case(unikernel: "Tests/Unikernels/stack-protector", target: "virtio", machine: machine, expected: .exits(255),
             marker: "Swiftlet: stack smashing detected; aborting"),
        Case(unikernel: "Tests/Unikernels/write-text", target: "virtio", machine: machine, expected: .exits(255),
             marker: "Swiftlet: trap at rip=0x"),
        Case(unikernel: "Tests/Unikernels/arguments", target: "virtio", machine: machine,
             arguments: ["--text=a \"b\" c é", "--number=-5", "--flag"], expected: .exits(0),
             marker: "text=[a \"b\" c é] number=-5 flag=true"),
        Case(unikernel: "Tests/Unikernels/exit-status", target: "virtio", machine: machine, arguments: ["--status=7"],
             expected: .exits(7), marker: "SUCCESS: exit-status 7"),
        Case(unikernel: "Tests/Unikernels/exit-status", target: "virtio", machine: machine, arguments: ["--fail"],
             expected: .exits(1), marker: "start() failed: asked to fail by --fail"),
    ] } + [
        Case(unikernel: "Tests/Unikernels/crypto-kat", target: "virtio", expected: .exits(0), marker: "SUCCESS: crypto-kat"),
        Case(unikernel: "Tests/Unikernels/tls-kat", target: "virtio", expected: .exits(0), marker: "SUCCESS: tls-kat"),
        Case(unikernel: "Tests/Unikernels/heap", target: "virtio", arguments: ["--megabytes=256"], expected: .exits(0),
             marker: "SUCCESS: heap 256 MiB"),
    ]

    @Test(arguments: cases)
    func unikernelEndsAsExpected(_ test: Case) throws {
        if test.target == "hvt" && !kvmUsable {
            print("\(test.testDescription): skipped, no usable /dev/kvm here")
            return
        }
        if test.target == "virtio", let reason = Support.qemuSkipReason {
            print("\(test.testDescription): skipped, \(reason)")
            return
        }
        let folder = try Support.copy(test.unikernel)
        defer { Support.remove(folder) }
        let configure = try Support.swiftlet(["configure", "-t", test.target], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let build = try Support.swiftlet(["build"], in: folder)
        try #require(build.status == 0, "\(build.stderr)")
        let name = folder.lastPathComponent
        let image = folder.appendingPathComponent("dist/\(name)\(test.target == "unix" ? "" : "." + test.target)").path
        let result = test.target == "unix" ? try Support.run(image, test.arguments, in: folder, timeout: 60)
            : test.target == "virtio" ? try Support.qemu(image, machine: test.machine, arguments: test.arguments, in: folder)
            : try Support.run(test.target == "spt" ? Support.swiftletSPT : HVTTenderTests.tender,
                              test.tenderOptions + [image, "--"] + test.arguments, in: folder, timeout: 120)
        let output = result.stdout + result.stderr
        switch test.expected {
        case .exits(let status):
            #expect(!result.killedBySignal && result.status == status, "expected \(test.expected), got \(result.killedBySignal ? "signal" : "exit") \(result.status)\n\(output)")
        case .killedBy(let signal):
            #expect(result.killedBySignal && result.status == signal, "expected \(test.expected), got \(result.killedBySignal ? "signal" : "exit") \(result.status)\n\(output)")
        }
        #expect(test.marker.isEmpty || output.contains(test.marker), "missing '\(test.marker)' in:\n\(output)")
        for marker in test.alsoMarkers { #expect(output.contains(marker), "missing '\(marker)' in:\n\(output)") }
        #expect(!output.contains("FAILURE"), "\(output)")
    }
}

/// The spt tender attaches exactly the devices the unikernel's manifest declares.
@Suite struct ManifestTests {
    func builtBlockTest() throws -> URL {
        let folder = try Support.copy("Tests/Unikernels/block")
        #expect(try Support.swiftlet(["configure", "-t", "spt"], in: folder).status == 0)
        let build = try Support.swiftlet(["build"], in: folder)
        try #require(build.status == 0, "\(build.stderr)")
        return folder
    }

    @Test func attachedBlockDeviceWorks() throws {
        let folder = try builtBlockTest()
        defer { Support.remove(folder) }
        let disk = folder.appendingPathComponent("disk.img")
        #expect(FileManager.default.createFile(atPath: disk.path, contents: Data(count: 512 * 128)))
        let result = try Support.run(Support.swiftletSPT, ["--block:storage=\(disk.path)", "dist/block.spt"], in: folder, timeout: 30)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("block: 128 sectors of 512 bytes"))
        #expect(result.stdout.contains("SUCCESS: block"))
        // What the guest wrote is on the host's disk image: sector 127 starts 127, 134, 141, ...
        let bytes = try Data(contentsOf: disk)
        #expect(Array(bytes[(127 * 512)..<(127 * 512 + 3)]) == [127, 134, 141])
    }

    @Test func declaredButUnattachedDeviceIsRefused() throws {
        let folder = try builtBlockTest()
        defer { Support.remove(folder) }
        let result = try Support.run(Support.swiftletSPT, ["dist/block.spt"], in: folder, timeout: 30)
        #expect(result.status == 1)
        #expect(result.stderr == "swiftlet-spt: the unikernel declares block device 'storage' but it is not attached: add --block:storage=FILE\n")
        #expect(!result.stdout.contains("Swiftlet:"), "the unikernel must not start")
    }

    @Test func undeclaredDeviceIsRefused() throws {
        let folder = try builtBlockTest()
        defer { Support.remove(folder) }
        let disk = folder.appendingPathComponent("disk.img")
        #expect(FileManager.default.createFile(atPath: disk.path, contents: Data(count: 4096)))
        let other = try Support.run(Support.swiftletSPT, ["--block:storage=\(disk.path)", "--block:backup=\(disk.path)", "dist/block.spt"],
                                    in: folder, timeout: 30)
        #expect(other.status == 1)
        #expect(other.stderr.contains("--block:backup: the unikernel declares no block device 'backup' (it declares: storage (block))"))
        let network = try Support.run(Support.swiftletSPT, ["--block:storage=\(disk.path)", "--net:service=tap0", "dist/block.spt"],
                                      in: folder, timeout: 30)
        #expect(network.status == 1)
        #expect(network.stderr.contains("declares no network device 'service'"))
    }

    @Test func nonUnikernelsAreRefused() throws {
        let result = try Support.run(Support.swiftletSPT, ["/bin/true"], timeout: 10)
        #expect(result.status == 1)
        #expect(result.stderr.contains("position-independent images are refused"))
        let missing = try Support.run(Support.swiftletSPT, ["/nonexistent.spt"], timeout: 10)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read the unikernel image"))
    }
}
