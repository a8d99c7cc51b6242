import Foundation
import Testing

/// Swiftlet's own TCP/IP stack against the Linux kernel's, over tap devices in network
/// namespaces the tests create (Tests/Network/system-test does the plumbing): ping, nc,
/// 100 MB each way with checksums (also through a lossy relay), and DHCP from dnsmasq and
/// isc-dhcp-server. Needs root and /dev/net/tun; skipped with a reason otherwise.
@Suite(.serialized) struct NetworkSystemTests {
    static var skipReason: String? {
        if getuid() != 0 { return "needs root (network namespaces and tap devices)" }
        if !FileManager.default.fileExists(atPath: "/dev/net/tun") { return "no /dev/net/tun" }
        for tool in ["ip", "ping", "nc", "cksum"] where !Self.installed(tool) { return "\(tool) is not installed" }
        return nil
    }

    static func installed(_ tool: String) -> Bool {
        (try? Support.run("/bin/sh", ["-c", "command -v \(tool)"], timeout: 10).status) == 0
    }

    /// Configures and builds `unikernel` for `target` with `--net direct`; returns the image.
    static func build(_ unikernel: String, target: String, folder: URL) throws -> String {
        let configure = try Support.swiftlet(["configure", "-t", target, "--net", "direct"], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let build = try Support.swiftlet(["build"], in: folder, timeout: 900)
        try #require(build.status == 0, "\(build.stderr)")
        let name = URL(fileURLWithPath: unikernel).lastPathComponent
        return folder.appendingPathComponent(target == "unix" ? "dist/\(name)" : "dist/\(name).\(target)").path
    }

    /// Runs one scenario of the system-test script and expects it to pass.
    static func scenario(_ name: String, unikernel: String, target: String, environment: [String: String] = [:],
                         timeout: Double = 900) throws {
        if let reason = skipReason {
            print("network system test \(name) on \(target): skipped, \(reason)")
            return
        }
        let folder = try Support.copy(unikernel)
        defer { Support.remove(folder) }
        let image = try build(unikernel, target: target, folder: folder)
        var arguments = [name, "--target", target, "--image", image]
        if target == "spt" { arguments += ["--tender", Support.swiftletSPT] }
        if name == "lossy-bulk" { arguments += ["--relay", try relay()] }
        let script = Support.root.appendingPathComponent("Tests/Network/system-test").path
        let command = environment.map { "\($0)=\($1)" } + [script] + arguments
        let result = try Support.run("/usr/bin/env", command, timeout: timeout)
        print(result.stdout)
        #expect(result.status == 0, "\(name) on \(target) failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS: \(name) (\(target))"))
    }

    /// Builds Tests/Network/lossy-relay.c once.
    static func relay() throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-lossy-relay").path
        let source = Support.root.appendingPathComponent("Tests/Network/lossy-relay.c").path
        let result = try Support.run("/usr/bin/env", ["clang", "-O2", "-Wall", "-o", output, source], timeout: 120)
        try #require(result.status == 0, "building the relay failed: \(result.stderr)")
        return output
    }

    @Test(arguments: ["unix", "spt"])
    func pingAndNetcatReachTheNetworkExample(target: String) throws {
        try Self.scenario("basic", unikernel: "Examples/network", target: target)
    }

    /// virtio in QEMU: ping and nc over a tap device with a static address, and DHCP from QEMU's
    /// user network with nc through its port forwarding; on microvm (virtio-mmio) and q35 (PCI).
    @Test(arguments: ["microvm", "q35"])
    func pingNetcatAndQEMUUserNetworkReachTheNetworkExampleOnVirtio(machine: String) throws {
        if let reason = Support.qemuSkipReason { print("network system tests on virtio: skipped, \(reason)"); return }
        try Self.scenario("basic", unikernel: "Examples/network", target: "virtio", environment: ["MACHINE": machine])
        try Self.scenario("qemu-user", unikernel: "Examples/network", target: "virtio", environment: ["MACHINE": machine])
    }

    @Test(arguments: ["unix", "spt"])
    func hundredMegabytesEachWayArriveIntact(target: String) throws {
        try Self.scenario("bulk", unikernel: "Tests/Unikernels/tcp-bulk", target: target)
    }

    @Test(arguments: ["unix", "spt"])
    func bulkTransferSurvivesALossyReorderingRelay(target: String) throws {
        try Self.scenario("lossy-bulk", unikernel: "Tests/Unikernels/tcp-bulk", target: target)
    }

    @Test func dhcpFromDnsmasqWithRenewal() throws {
        guard Self.installed("dnsmasq") else {
            print("DHCP test with dnsmasq: skipped, dnsmasq is not installed")
            return
        }
        try Self.scenario("dhcp-dnsmasq", unikernel: "Examples/network", target: "spt")
    }

    @Test func dhcpFromISCDHCPServerWithRenewal() throws {
        guard Self.installed("dhcpd") else {
            print("DHCP test with isc-dhcp-server: skipped, dhcpd is not installed")
            return
        }
        try Self.scenario("dhcp-isc", unikernel: "Examples/network", target: "unix")
    }
}
