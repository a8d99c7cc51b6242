import Foundation
import Testing

/// Examples/static-site on unix with host sockets, for every read-only store unix has: curl
/// fetches every file of its site/ folder and the bytes must be the file's; folders serve their
/// index after a redirect to the slash; nothing outside the site can be named; a current ETag
/// gets 304.
@Suite(.serialized) struct StaticSiteTests {
    static let site = Support.root.appendingPathComponent("Examples/static-site/site")

    /// Every file under site/, as paths relative to it.
    static func siteFiles() throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(at: site, includingPropertiesForKeys: [.isRegularFileKey]))
        var paths: [String] = []
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            paths.append(String(url.standardizedFileURL.path.dropFirst(site.standardizedFileURL.path.count + 1)))
        }
        return paths.sorted()
    }

    /// `curl` with a time limit; returns (status code, headers, body).
    static func fetch(_ url: String, _ options: [String] = []) throws -> (code: Int, headers: String, body: Data) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("static-site-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try Support.run("/usr/bin/env", ["curl", "-s", "--noproxy", "*", "--max-time", "10", "--path-as-is",
                                                      "-D", scratch.path + ".headers", "-o", scratch.path,
                                                      "-w", "%{http_code}"] + options + [url], timeout: 15)
        defer { try? FileManager.default.removeItem(atPath: scratch.path + ".headers") }
        let headers = (try? String(contentsOfFile: scratch.path + ".headers", encoding: .utf8)) ?? ""
        return (Int(result.stdout) ?? 0, headers, (try? Data(contentsOf: scratch)) ?? Data())
    }

    @Test(arguments: ["crunch", "direct", "tar", "fat"])
    func servesEveryFileByteForByte(store: String) throws {
        if !NetworkSystemTests.installed("curl") { print("static site test: skipped, curl is not installed"); return }
        let folder = try Support.copy("Examples/static-site")
        defer { Support.remove(folder) }
        let configure = try Support.swiftlet(["configure", "-t", "unix", "--kv_ro", store], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let build = try Support.swiftlet(["build"], in: folder, timeout: 900)
        try #require(build.status == 0, "\(build.stderr)")

        let port = try WebsiteSystemTests.freePort()
        let server = Process()
        server.executableURL = folder.appendingPathComponent("dist/static-site")
        server.currentDirectoryURL = folder  // the tar and fat disks default to dist/kv.*
        server.arguments = ["--port=\(port)", "-l", "*:warning"]
        let log = folder.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        server.standardOutput = output
        server.standardError = output
        try server.run()
        defer {
            if server.isRunning {
                server.terminate()
                let grace = Date().addingTimeInterval(2)
                while server.isRunning && Date() < grace { usleep(10_000) }
                if server.isRunning { kill(server.processIdentifier, SIGKILL) }
            }
            server.waitUntilExit()
            try? output.close()
        }
        let base = "http://127.0.0.1:\(port)"
        let serverLog = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        try #require(try WebsiteSystemTests.waitUntilAnswering(base + "/", seconds: 30, while: server),
                     "the static site did not answer:\n\(serverLog())")

        let files = try Self.siteFiles()
        #expect(files.count >= 8)
        for path in files {
            let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
            let reply = try Self.fetch(base + "/" + encoded)
            let expected = try Data(contentsOf: Self.site.appendingPathComponent(path))
            #expect(reply.code == 200, "\(path): \(reply.code)")
            #expect(reply.body == expected, "\(path): \(reply.body.count) bytes, not the file's \(expected.count)")
        }
        let image = try Self.fetch(base + "/images/logo.png")
        #expect(image.headers.lowercased().contains("content-type: image/png"))

        // Folders: the index after a redirect to the slash.
        let about = try Self.fetch(base + "/about")
        #expect(about.code == 301 && about.headers.contains("Location: /about/"), "\(about.headers)")
        #expect(try Self.fetch(base + "/about/").body == Data(contentsOf: Self.site.appendingPathComponent("about/index.html")))
        #expect(try Self.fetch(base + "/").body == Data(contentsOf: Self.site.appendingPathComponent("index.html")))

        // Nothing outside the site; nothing that is not there.
        for path in ["/../config.swift", "/%2e%2e/config.swift", "/css/../../unikernel.swift", "/nothing.html", "/index.html/x"] {
            let reply = try Self.fetch(base + path)
            #expect([400, 404].contains(reply.code), "\(path): \(reply.code)")
            #expect(!String(decoding: reply.body, as: UTF8.self).contains("import Swiftlet"), "\(path) leaked a source file")
        }

        // Revalidation.
        let tag = try #require(image.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag:") }?
            .dropFirst(5).trimmingCharacters(in: .whitespaces))
        let again = try Self.fetch(base + "/images/logo.png", ["-H", "If-None-Match: \(tag)"])
        #expect(again.code == 304 && again.body.isEmpty)
        #expect(server.isRunning, "the server exited:\n\(serverLog())")
    }
}
