import Foundation
import Testing

/// 10,000 keep-alive connections to the website (Examples/website), each answered in three
/// rounds, none reset or closed (Tests/Network/many-connections counts every failure): on unix
/// with host sockets over loopback, and on spt with Swiftlet's own stack on a tap device
/// (Tests/Network/system-test's `many-connections` scenario).
@Suite(.serialized) struct ManyConnectionsTests {
    static let client = Support.root.appendingPathComponent("Tests/Network/many-connections").path

    @Test func tenThousandConnectionsOnHostSockets() throws {
        if let reason = WebsiteSystemTests.clientSkipReason { print("many connections on unix: skipped, \(reason)"); return }
        let folder = try Support.copy("Examples/website")
        defer { Support.remove(folder) }
        let image = try WebsiteSystemTests.build(target: "unix", net: "socket", folder: folder)
        let port = try WebsiteSystemTests.freePort()
        let website = Process()
        // The website needs a descriptor per connection: raise its limit as a user would.
        website.executableURL = URL(fileURLWithPath: "/bin/sh")
        website.arguments = ["-c", "ulimit -n 20000 && exec \"$0\" --port=\(port) -l '*:warning'", image]
        let log = folder.appendingPathComponent("website.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        website.standardOutput = output
        website.standardError = output
        try website.run()
        defer {
            // The website may inherit a mask that blocks SIGTERM from the test runner: SIGKILL after 2 s.
            if website.isRunning {
                website.terminate()
                let grace = Date().addingTimeInterval(2)
                while website.isRunning && Date() < grace { usleep(10_000) }
                if website.isRunning { kill(website.processIdentifier, SIGKILL) }
            }
            website.waitUntilExit()
            try? output.close()
        }
        let websiteLog = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        try #require(try WebsiteSystemTests.waitUntilAnswering("http://127.0.0.1:\(port)/", seconds: 30, while: website),
                     "the website did not answer:\n\(websiteLog())")
        let started = Date()
        let result = try Support.run(Self.client, ["--url", "http://127.0.0.1:\(port)/", "--connections", "10000",
                                                   "--rounds", "3", "--seconds", "80"], timeout: 100)
        print(result.stdout)
        print("many-connections on unix sockets took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)\n--- website log ---\n\(websiteLog())")
        #expect(website.isRunning, "the website exited:\n\(websiteLog())")
    }

    @Test func tenThousandConnectionsOnSPT() throws {
        if let reason = NetworkSystemTests.skipReason ?? WebsiteSystemTests.clientSkipReason {
            print("many connections on spt: skipped, \(reason)")
            return
        }
        let folder = try Support.copy("Examples/website")
        defer { Support.remove(folder) }
        let image = try WebsiteSystemTests.build(target: "spt", net: "direct", folder: folder)
        let script = Support.root.appendingPathComponent("Tests/Network/system-test").path
        let started = Date()
        let result = try Support.run(script, ["many-connections", "--target", "spt", "--image", image, "--tender", Support.swiftletSPT],
                                     timeout: 200)
        print(result.stdout)
        print("many-connections on spt took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS: many-connections (spt)"))
    }
}
