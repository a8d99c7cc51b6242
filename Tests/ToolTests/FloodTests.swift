import Foundation
import Testing

/// The website (Examples/website) on spt with Swiftlet's own stack under a random-source SYN
/// flood (hping3 in a namespace; Tests/Network/syn-flood does the plumbing): SYN cookies keep
/// legitimate clients answered during the flood, and the stack answers within a second after it.
@Suite(.serialized) struct FloodTests {
    @Test func theWebsiteOnSPTKeepsAnsweringThroughASYNFlood() throws {
        if let reason = NetworkSystemTests.skipReason ?? WebsiteSystemTests.clientSkipReason {
            print("SYN flood test: skipped, \(reason)")
            return
        }
        guard NetworkSystemTests.installed("hping3") else {
            print("SYN flood test: skipped, hping3 is not installed")
            return
        }
        let folder = try Support.copy("Examples/website")
        defer { Support.remove(folder) }
        let image = try WebsiteSystemTests.build(target: "spt", net: "direct", folder: folder)
        let script = Support.root.appendingPathComponent("Tests/Network/syn-flood").path
        let started = Date()
        let result = try Support.run(script, ["--image", image, "--tender", Support.swiftletSPT, "--seconds", "5"], timeout: 120)
        print(result.stdout)
        print("syn-flood took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(result.status == 0, "syn-flood failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS: syn-flood"))
    }
}
