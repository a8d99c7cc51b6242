import Foundation
import Testing

/// The virtio target in QEMU with software emulation, beyond the test matrix: `swiftlet run`,
/// an idle unikernel's CPU use, virtio-blk and virtio-net on both machines (microvm: virtio-mmio;
/// q35: PCI). Skipped, saying why, without qemu-system-x86_64.
@Suite struct VirtioTests {
    /// A scratch copy of `unikernel` built for virtio.
    static func built(_ unikernel: String, configure: [String] = []) throws -> URL {
        let folder = try Support.copy(unikernel)
        let configured = try Support.swiftlet(["configure", "-t", "virtio"] + configure, in: folder)
        try #require(configured.status == 0, "\(configured.stderr)")
        let build = try Support.swiftlet(["build"], in: folder, timeout: 900)
        try #require(build.status == 0, "\(build.stderr)")
        return folder
    }

    static func image(in folder: URL) -> String {
        folder.appendingPathComponent("dist/\(folder.lastPathComponent).virtio").path
    }

    @Test func swiftletRunBootsTheImageAndReturnsItsStatus() throws {
        if let reason = Support.qemuSkipReason { print("swiftlet run -t virtio: skipped, \(reason)"); return }
        let folder = try Self.built("Tests/Unikernels/exit-status")
        defer { Support.remove(folder) }
        for machine in ["microvm", "q35"] {
            let run = try Support.swiftlet(["run", "--", "--virtio:machine=\(machine)", "--status=3"], in: folder, timeout: 300)
            #expect(run.status == 3, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("SUCCESS: exit-status 3"))
            #expect(run.stderr.contains("qemu-system-x86_64 -M \(machine)"), "the QEMU command is shown: \(run.stderr)")
        }
        let bad = try Support.swiftlet(["run", "--", "--virtio:machine=pc"], in: folder, timeout: 300)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown machine 'pc'") && bad.stderr.contains("microvm"), "\(bad.stderr)")
    }

    /// The QEMU process of a unikernel sleeping for 12 s uses under 5% of a core over 10 s of it.
    @Test(arguments: ["microvm", "q35"])
    func idleUnikernelLeavesTheCPUAlone(machine: String) throws {
        if let reason = Support.qemuSkipReason { print("virtio idle test: skipped, \(reason)"); return }
        let folder = try Self.built("Tests/Unikernels/idle")
        defer { Support.remove(folder) }
        let perMille = try Self.cpuPerMille(image: Self.image(in: folder), machine: machine, arguments: ["--seconds=13"])
        print("virtio idle (\(machine)): QEMU used \(Double(perMille) / 10)% of a core over 10 s")
        #expect(perMille < 50)
    }

    /// Boots `image`, waits 2 s for it to settle, then measures its QEMU's user+system CPU time
    /// over 10 s; returns it in thousandths of one core. The QEMU is killed at the end.
    static func cpuPerMille(image: String, machine: String, arguments: [String], extra: [String] = []) throws -> Int {
        let qemu = ["qemu-system-x86_64", "-M", machine, "-m", "128M", "-nodefaults", "-no-user-config", "-display", "none",
                    "-serial", "file:/dev/null", "-no-reboot", "-kernel", image, "-append", arguments.joined(separator: " ")] + extra
        let script = """
            "$@" & pid=$!
            trap 'kill $pid 2>/dev/null' EXIT
            sleep 2
            before=$(awk '{print $14 + $15}' /proc/$pid/stat) || exit 3
            sleep 10
            after=$(awk '{print $14 + $15}' /proc/$pid/stat) || exit 3
            echo $(( (after - before) * 1000 / ($(getconf CLK_TCK) * 10) ))
            """
        let result = try Support.run("/bin/sh", ["-c", script, "sh"] + qemu, timeout: 60)
        try #require(result.status == 0, "measuring failed: \(result.stdout)\(result.stderr)")
        return try #require(Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
