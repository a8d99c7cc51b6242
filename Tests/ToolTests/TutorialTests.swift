import Foundation
import Testing
@testable import SwiftletTool

/// The MirageOS tutorial as its users type it (issue 18): Tests/Tutorial/seed-commands runs
/// every command of the tutorial, spelled as the tutorial spells it with `swiftlet` for
/// `mirage` and `swiftlet-spt`/`swiftlet-hvt` for the Solo5 tenders, on copies of Examples/;
/// each must work or fail with a message that says what to do. The network steps use tap
/// devices in a namespace the script makes (root); hvt needs /dev/kvm.
@Suite struct TutorialTests {
    static func seedCommands(_ target: String) throws {
        let script = Support.root.appendingPathComponent("Tests/Tutorial/seed-commands").path
        let result = try Support.run(script, [target, Support.swiftlet], timeout: 1200)
        print(result.stdout)
        #expect(result.status == 0, "the tutorial's commands on \(target):\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS: \(target)"))
    }

    /// What the tool says and leaves around a configuration (issue 18, items 1 and 8).
    @Test func configureKeepsWhatWorkedAndLeavesAMakefile() throws {
        let folder = try Support.copy("Examples/hello-key")
        defer { Support.remove(folder) }
        let describe = try Support.swiftlet(["describe"], in: folder)
        #expect(describe.status == 1 && describe.stderr.contains("is not configured"), "\(describe.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("_build").path), "describe configured the folder")
        let configure = try Support.swiftlet(["configure", "-t", "unix", "--hello", "Hola"], in: folder)
        #expect(configure.status == 0, "\(configure.stderr)")
        let makefile = folder.appendingPathComponent("Makefile")
        #expect((try? String(contentsOf: makefile, encoding: .utf8))?.hasPrefix(GeneratedMakefile.marker) == true)
        let mistake = try Support.swiftlet(["configure", "-t", "unix", "--helo=x"], in: folder)
        #expect(mistake.status == 2)
        #expect(mistake.stderr.contains("the previous configuration is kept: -t unix --hello Hola"), "\(mistake.stderr)")
        #expect(try Support.swiftlet(["describe"], in: folder).stdout.contains("hello: STRING = \"Hola\""))
        let clean = try Support.swiftlet(["clean"], in: folder)
        #expect(clean.status == 0 && !FileManager.default.fileExists(atPath: makefile.path))
    }

    @Test func seedCommandsOnUnix() throws { try Self.seedCommands("unix") }

    @Test func seedCommandsOnSPT() throws { try Self.seedCommands("spt") }

    @Test func seedCommandsOnHVT() throws {
        guard kvmUsable else {
            print("TutorialTests on hvt: skipped, no usable /dev/kvm here")
            return
        }
        try Self.seedCommands("hvt")
    }

    /// The static site's redeploy (seed 002): a good image, a changed one deployed by two runs
    /// at once, then two broken ones, through Examples/static-site/ci/redeploy.sh behind nginx
    /// while a client polls: every poll is answered (Tests/Tutorial/redeploy-test).
    @Test func redeployKeepsTheSiteAnsweringThroughABrokenImage() throws {
        for tool in ["nginx", "git", "curl", "flock"] where !NetworkSystemTests.installed(tool) {
            print("TutorialTests redeploy: skipped, \(tool) is not installed")
            return
        }
        let folder = try Support.copy("Examples/static-site")
        defer { Support.remove(folder) }
        let configure = try Support.swiftlet(["configure", "-t", "unix"], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let build = try Support.swiftlet(["build"], in: folder, timeout: 900)
        try #require(build.status == 0, "\(build.stderr)")
        let script = Support.root.appendingPathComponent("Tests/Tutorial/redeploy-test").path
        let result = try Support.run(script, [folder.appendingPathComponent("dist/static-site").path], timeout: 300)
        print(result.stdout)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PASS: redeploy") && result.stdout.contains(" answered, 0 not"))
    }
}
