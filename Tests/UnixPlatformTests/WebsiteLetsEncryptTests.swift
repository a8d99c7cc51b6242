import Foundation
import Testing

/// `Examples/website --letsencrypt=true` on unix (host sockets) against pebble: the website
/// answers pebble's HTTP-01 challenge on its HTTP port, gets a certificate for pebble's name,
/// and curl, trusting only pebble's root, gets `/echo/hi` over HTTPS; a restart with the same
/// seeds finds the account again. The website is built with the tool of this package.
@Suite(.serialized) struct WebsiteLetsEncryptTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func websiteGetsACertificateFromPebbleAndARestartReusesTheAccount() throws {
        let tool = Self.packageRoot.appendingPathComponent(".build/debug/swiftlet").path
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            print("skipped: no \(tool) (swift build --build-tests builds it)")
            return
        }
        guard let pebble = try PebbleCA() else { return }
        defer { pebble.stop() }
        let folder = pebble.scratch.appendingPathComponent("website")
        try FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent("Examples/website"), to: folder)
        for generated in [".swiftlet", "dist", ".build"] { try? FileManager.default.removeItem(at: folder.appendingPathComponent(generated)) }
        // The direct store reads its folder at run time: the CA roots go in at run time too.
        let build = try Host.run(["sh", "-c", "cd '\(folder.path)' && '\(tool)' configure -t unix --kv_ro direct && '\(tool)' build"
                                  + " > build.log 2>&1; status=$?; cat build.log; exit $status"], seconds: 900)
        try #require(build.status == 0, "\(build.output)")
        let store = pebble.scratch.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: pebble.path("listener.pem"), toPath: store.appendingPathComponent("acme-ca.pem").path)
        let root = try Host.run(["curl", "-sf", "--cacert", pebble.path("listener.pem"), "-o", pebble.path("root.pem"),
                                 "https://127.0.0.1:\(pebble.managementPort)/roots/0"])
        try #require(root.status == 0, "root: \(root.output)")

        let securePort = try freeLoopbackPort()
        let arguments = ["--letsencrypt=true", "--hostname=\(pebble.name)", "--email=admin@example.org",
                         "--acme-directory=\(pebble.directoryURL)", "--port=\(pebble.httpPort)", "--https-port=\(securePort)",
                         "--account-seed=website account \(pebble.name)", "--cert-seed=website certificate \(pebble.name)",
                         "--kv_ro-path:certificates=\(store.path)"]
        let curl = ["curl", "-sS", "--noproxy", "*", "--max-time", "5", "--cacert", pebble.path("root.pem"),
                    "--resolve", "\(pebble.name):\(securePort):127.0.0.1"]
        var logs: [String] = []
        for (run, word) in ["first", "again"].enumerated() {
            let website = try Host.start([folder.appendingPathComponent("dist/website").path] + arguments)
            defer { Host.stop(website) }
            var page = (status: Int32(-1), output: "")
            let deadline = Date().addingTimeInterval(40)
            while page.output != word && Date() < deadline && website.isRunning {
                usleep(300_000)
                page = try Host.run(curl + ["https://\(pebble.name):\(securePort)/echo/\(word)"])
            }
            #expect(page.output == word, "run \(run): \(page.output)")
            let redirect = try Host.run(["curl", "-sS", "--noproxy", "*", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                                         "http://127.0.0.1:\(pebble.httpPort)/echo/x"])
            #expect(redirect.output == "301 https://\(pebble.name):\(securePort)/echo/x", "\(redirect.output)")
            Host.stop(website)
            let output = (website.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
                + (website.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            logs.append(String(decoding: output, as: UTF8.self))
        }
        #expect(logs[0].contains("ACME account created"), "\(logs[0])")
        #expect(logs[1].contains("ACME account found"), "\(logs[1])")
    }
}
