import Foundation
import Testing
@testable import SwiftletTool

/// The configuration logic: validating what config.swift declares, applying configure-time
/// key values, resolving devices per target, and the code and descriptions generated from it.
@Suite struct BuildPlanTests {
    typealias Description = UnikernelDescription

    static let helloKey = Description(
        name: "hello-key", main: "HelloKey",
        devices: [.init(kind: "time", label: "time")],
        keys: [.init(name: "hello", type: "string", defaultText: "Hello World!", doc: "How to say hello.", stage: "runtime")],
        packages: [])

    func plan(_ arguments: [String] = [], of description: Description = helloKey, target: Target = .unix) throws -> BuildPlan {
        try BuildPlan(unikernel: description, target: target, configureArguments: arguments, configFingerprint: "0")
    }

    func error(_ body: () throws -> Void) -> ToolError? {
        do { try body(); return nil } catch { return error as? ToolError }
    }

    @Test func defaultsComeFromConfig() throws {
        #expect(try plan().keyValues == ["hello": "Hello World!"])
    }

    @Test func configureArgumentsOverrideDefaults() throws {
        #expect(try plan(["--hello=Hola"]).keyValues["hello"] == "Hola")
        #expect(try plan(["--hello", "Hi there"]).keyValues["hello"] == "Hi there")
    }

    @Test func unknownKeysAreNamedWithASuggestion() {
        let failure = error { _ = try plan(["--unknown-key=1"]) }
        #expect(failure?.message == "unknown key --unknown-key")
        #expect(failure?.hint?.contains("--hello") == true)
        #expect(failure?.status == 2)
        #expect(error { _ = try plan(["--helo=1"]) }?.message == "unknown key --helo (did you mean --hello?)")
    }

    @Test func valuesAreCheckedAgainstTheKeyType() throws {
        var description = Self.helloKey
        description.keys = [.init(name: "port", type: "int", defaultText: "8080", doc: "Port.", stage: "runtime"),
                            .init(name: "ipv4", type: "ipv4-prefix", defaultText: "10.0.0.2/24", doc: "Address.", stage: "configure"),
                            .init(name: "dhcp", type: "bool", defaultText: "false", doc: "DHCP.", stage: "configure")]
        #expect(error { _ = try plan(["--port=http"], of: description) }?.message == "--port expects INT, not 'http'")
        #expect(error { _ = try plan(["--ipv4=10.0.0.300/24"], of: description) }?.message == "--ipv4 expects IPV4/PREFIX, not '10.0.0.300/24'")
        #expect(try plan(["--dhcp"], of: description).keyValues["dhcp"] == "true")
        #expect(try plan(["--dhcp=false", "--port=80"], of: description).keyValues == ["dhcp": "false", "port": "80", "ipv4": "10.0.0.2/24"])
    }

    @Test func everyTargetPlans() throws {
        for target in Target.allCases { #expect(try plan(target: target).target == target) }
    }

    @Test func validationRejectsBadDeclarations() {
        func problem(_ change: (inout Description) -> Void) -> String? {
            var description = Self.helloKey
            change(&description)
            return error { try description.validate() }?.message
        }
        #expect(problem { _ in } == nil)
        #expect(problem { $0.name = "my app" } == "unikernel name 'my app' must be letters, digits, '-', '_' or '.'")
        #expect(problem { $0.main = "Hello-Key" } == "main: 'Hello-Key' is not a Swift type name")
        #expect(problem { $0.devices.append(.init(kind: "time", label: "time")) } == "two devices are labelled 'time'")
        #expect(problem { $0.devices = [.init(kind: "teleporter", label: "t")] } == "unknown device kind 'teleporter'")
        #expect(problem { $0.keys.append($0.keys[0]) } == "key 'hello' is declared twice")
        #expect(problem { $0.keys[0].name = "Hello" } == "key name 'Hello' must start with a-z and use only a-z, 0-9, '-' and '_'")
        #expect(problem { $0.keys[0].name = "help" } == "key name 'help' is reserved for the command line")
        #expect(problem { $0.keys[0].type = "float" } == "key 'hello' has unknown type 'float'")
        #expect(problem { $0.keys[0].type = "int" } == "key 'hello': default 'Hello World!' is not a valid INT")
        #expect(problem { $0.keys[0].stage = "later" } == "key 'hello' has unknown stage 'later'")
        #expect(problem { $0.packages = ["Vapor"] } == "unknown package 'Vapor'")
    }

    @Test func keyNamesBecomeSwiftIdentifiers() {
        #expect(swiftIdentifier(fromKeyName: "ipv4-gateway") == "ipv4Gateway")
        #expect(swiftIdentifier(fromKeyName: "kv_ro") == "kv_ro")
        #expect(swiftIdentifier(fromKeyName: "interval-ms") == "intervalMs")
    }

    @Test func stringLiteralsEscapeEverything() {
        #expect(swiftStringLiteral("say \"hi\"\\\n\t\u{1}") == #""say \"hi\"\\\n\t\u{1}""#)
    }

    @Test func generatedMainWiresDevicesKeysAndEntryPoint() throws {
        let source = try CodeGenerator(plan: try plan(["--hello=Hola"])).mainSource()
        #expect(source == """
        // Generated by `swiftlet configure -t unix` from config.swift.
        // Do not edit: change config.swift and configure again.
        import SwiftletDevices
        import SwiftletRuntime
        import SwiftletUnix

        /// The keys declared in config.swift.
        enum Keys {
            /// How to say hello.
            nonisolated(unsafe) static var hello: String = "Hola"
        }

        UnixPlatform().boot(name: "hello-key", keys: [
            RuntimeKey("hello", doc: "How to say hello.", default: Keys.hello) { Keys.hello = $0 },
        ]) { loop in
            let time = PlatformTime(loop: loop)
            return await startApplication(HelloKey(time: time).start)
        }

        """)
    }

    @Test func configureTimeKeysAreConstants() throws {
        var description = Self.helloKey
        description.keys = [.init(name: "ipv4-gateway", type: "ipv4-address", defaultText: "10.0.0.1", doc: "Gateway.", stage: "configure")]
        let source = try CodeGenerator(plan: try plan(of: description)).mainSource()
        #expect(source.contains(#"    static let ipv4Gateway: IPv4Address = IPv4Address("10.0.0.1")!"#))
        #expect(!source.contains("RuntimeKey(\"ipv4-gateway\""))
    }

    @Test func describePrintsTheResolvedGraph() throws {
        var description = Self.helloKey
        description.devices.append(.init(kind: "console", label: "console"))
        #expect(try plan(of: description).describe() == """
        unikernel: hello-key
        target: unix
        image: dist/hello-key
        main: HelloKey(time:console:)
        devices:
          time: TimeDevice = PlatformTime<UnixPlatform>
          console: ConsoleDevice = PlatformConsole<UnixPlatform>
        keys:
          hello: STRING = "Hello World!" (runtime)
        modules: SwiftletDevices, SwiftletRuntime, CSwiftletUnix, SwiftletUnix

        """)
    }
}
