import Foundation
import Testing

/// The website example (Examples/website) against real clients: Tests/Network/http-test runs
/// curl and raw sockets at it (ordinary requests, pipelining, uploads, conditional GET,
/// malformed input, every limit, a slowloris attack, a connection flood) on the unix target
/// with host sockets over loopback, and with Swiftlet's own stack on a tap device in a network
/// namespace (Tests/Network/system-test's `http` scenario) on unix, spt and virtio.
@Suite(.serialized) struct WebsiteSystemTests {
    static let httpTest = Support.root.appendingPathComponent("Tests/Network/http-test").path

    /// Why the clients cannot run here, if they cannot.
    static var clientSkipReason: String? {
        for tool in ["python3", "curl"] where !NetworkSystemTests.installed(tool) { return "\(tool) is not installed" }
        return nil
    }

    /// Configures and builds the website for `target` with `--net net`; returns the image.
    static func build(target: String, net: String, folder: URL) throws -> String {
        let configure = try Support.swiftlet(["configure", "-t", target, "--net", net], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let build = try Support.swiftlet(["build"], in: folder, timeout: 900)
        try #require(build.status == 0, "\(build.stderr)")
        return folder.appendingPathComponent(target == "unix" ? "dist/website" : "dist/website.\(target)").path
    }

    /// A TCP port on loopback that nothing listens on right now.
    static func freePort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        try #require(bound, "binding port 0 failed: errno \(errno)")
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether `url` answers within `seconds`, asking once every 0.2 s.
    static func waitUntilAnswering(_ url: String, seconds: Double, while process: Process) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && process.isRunning {
            let probe = try Support.run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "--noproxy", "*", "--max-time", "2", url],
                                        timeout: 5)
            if probe.status == 0 { return true }
            usleep(200_000)
        }
        return false
    }

    /// unix with host sockets: the website on a free port of 127.0.0.1, http-test against it.
    @Test func websiteOnHostSocketsPassesHTTPTest() throws {
        if let reason = Self.clientSkipReason { print("website test on unix sockets: skipped, \(reason)"); return }
        let folder = try Support.copy("Examples/website")
        defer { Support.remove(folder) }
        let image = try Self.build(target: "unix", net: "socket", folder: folder)
        let port = try Self.freePort()
        let log = folder.appendingPathComponent("website.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let website = Process()
        website.executableURL = URL(fileURLWithPath: image)
        website.arguments = ["--port=\(port)", "--max-connections=1024"]  // the bound http-test checks
        let output = try FileHandle(forWritingTo: log)
        website.standardOutput = output
        website.standardError = output
        try website.run()
        defer {
            if website.isRunning {
                website.terminate()
                let grace = Date().addingTimeInterval(2)
                while website.isRunning && Date() < grace { usleep(10_000) }
                if website.isRunning { kill(website.processIdentifier, SIGKILL) }
            }
            website.waitUntilExit()
            try? output.close()
        }
        let url = "http://127.0.0.1:\(port)"
        let answering = try Self.waitUntilAnswering(url + "/", seconds: 30, while: website)
        let websiteLog = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        try #require(answering, "the website did not answer on \(url) within 30 s:\n\(websiteLog())")
        let started = Date()
        let result = try Support.run(Self.httpTest, ["--url", url], timeout: 150)
        print(result.stdout)
        print("http-test on unix sockets took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(result.status == 0, "http-test failed:\n\(result.stdout)\n\(result.stderr)\n--- website log ---\n\(websiteLog())")
        #expect(website.isRunning, "the website exited during the test:\n\(websiteLog())")
    }

    /// Runs system-test's `http` scenario on `target` with Swiftlet's own stack on a tap device.
    static func scenario(target: String, quick: Bool = false, environment: [String: String] = [:]) throws {
        if let reason = NetworkSystemTests.skipReason ?? clientSkipReason {
            print("website test on \(target) (direct stack): skipped, \(reason)")
            return
        }
        let folder = try Support.copy("Examples/website")
        defer { Support.remove(folder) }
        let image = try build(target: target, net: "direct", folder: folder)
        var arguments = ["http", "--target", target, "--image", image]
        if target == "spt" { arguments += ["--tender", Support.swiftletSPT] }
        if quick { arguments.append("--quick") }
        let script = Support.root.appendingPathComponent("Tests/Network/system-test").path
        let started = Date()
        let result = try Support.run("/usr/bin/env", environment.map { "\($0)=\($1)" } + [script] + arguments, timeout: 300)
        print(result.stdout)
        print("system-test http on \(target) took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(result.status == 0, "http on \(target) failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS: http (\(target))"))
    }

    /// unix (`--net direct`, a tap device) and spt (swiftlet-spt): the whole http-test.
    @Test(arguments: ["unix", "spt"])
    func websiteOnTheDirectStackPassesHTTPTest(target: String) throws {
        try Self.scenario(target: target)
    }

    /// virtio in QEMU (microvm, virtio-mmio) under software emulation: http-test --quick.
    @Test func websiteOnVirtioPassesHTTPTest() throws {
        if let reason = Support.qemuSkipReason { print("website test on virtio: skipped, \(reason)"); return }
        try Self.scenario(target: "virtio", quick: true, environment: ["MACHINE": "microvm"])
    }
}
