import Foundation
import Testing
@testable import SwiftletTool

@Suite struct InvocationTests {
    func parse(_ arguments: [String]) throws(ToolError) -> Invocation {
        try Invocation.parse(arguments, currentDirectory: "/work/app")
    }

    @Test func noArgumentsShowHelp() throws {
        #expect(try parse([]).command == .help(nil))
    }

    @Test func configureTakesATargetAndKeys() throws {
        let invocation = try parse(["configure", "-t", "unix", "--hello=Hola", "--count", "3"])
        #expect(invocation.command == .configure)
        #expect(invocation.target == .unix)
        #expect(invocation.keyArguments == ["--hello=Hola", "--count", "3"])
        #expect(try parse(["configure", "--target=unix"]).target == .unix)
        #expect(try parse(["configure", "-tunix"]).target == .unix)
    }

    @Test func unknownTargetsNameTheChoices() {
        #expect(throws: ToolError.usage("unknown target 'bogus'", hint: "choose one of: unix, spt, hvt, virtio")) {
            try parse(["configure", "-t", "bogus"])
        }
    }

    @Test func aTargetNeedsAValue() {
        #expect(throws: ToolError.self) { try parse(["configure", "-t"]) }
    }

    @Test func unknownCommandsSayWhatExists() throws {
        do {
            _ = try parse(["frobnicate"])
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "unknown command 'frobnicate'")
            #expect(error.hint?.contains("configure, build, run") == true)
            #expect(error.status == 2)
        }
    }

    @Test func directoryMayComeFirstOrAfterTheCommand() throws {
        #expect(try parse(["-C", "Examples/hello", "build"]).folder.directory.path == "/work/app/Examples/hello")
        #expect(try parse(["build", "-C", "/tmp/x"]).folder.directory.path == "/tmp/x")
    }

    @Test func runPassesEverythingAfterTheSeparatorToTheUnikernel() throws {
        let invocation = try parse(["run", "-t", "unix", "--", "--hello=Bonjour", "-l", "*:debug"])
        #expect(invocation.command == .run)
        #expect(invocation.runtimeArguments == ["--hello=Bonjour", "-l", "*:debug"])
        #expect(invocation.keyArguments.isEmpty)
    }

    @Test func onlyRunTakesRuntimeArguments() {
        #expect(throws: ToolError.self) { try parse(["configure", "--", "--hello=x"]) }
    }

    @Test func cleanTakesNoTarget() {
        #expect(throws: ToolError.self) { try parse(["clean", "-t", "unix"]) }
    }

    @Test func helpForACommand() throws {
        #expect(try parse(["help", "configure"]).command == .help("configure"))
        #expect(try parse(["build", "--help"]).command == .help("build"))
    }
}
