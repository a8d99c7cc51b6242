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

    static let website = Description(
        name: "website", main: "Website", devices: [.init(kind: "http", label: "http", name: "service")],
        keys: [.init(name: "port", type: "int", defaultText: "8080", doc: "Port.", stage: "runtime")],
        packages: ["SwiftletHTTP"])

    static func httpServer(_ stack: String, _ platform: String) -> String {
        "HTTPServer<\(stack), PlatformTime<\(platform)>, PlatformLoopClock<\(platform)>, PlatformWallClock<\(platform)>>"
    }

    @Test func dnsResolvesOnTheStackThatNetChoosesWithItsServerKey() throws {
        let lookup = Description(
            name: "lookup", main: "Lookup",
            devices: [.init(kind: "stack", label: "stack", name: "service"), .init(kind: "dns", label: "dns", name: "service")],
            keys: [], packages: ["SwiftletDNS"])
        func resolved(_ arguments: [String], _ target: Target) throws -> DeviceImplementation {
            try #require(try plan(arguments, of: lookup, target: target).resolvedDevices().last).implementation
        }
        let socket = try resolved([], .unix)
        #expect(socket.typeName == "DNSStubResolver<SocketStack, PlatformTime<UnixPlatform>, PlatformLoopClock<UnixPlatform>, SplitMix64>")
        // Shares the stack declared under the same name, and brings --dns-server.
        #expect(socket.expression == "dnsDevice(stack: stack, loop: loop, servers: Keys.dnsServer)")
        #expect(socket.keys.map(\.name) == ["dns-server"])
        #expect(socket.modules.contains("SwiftletDNS"))
        for target in Target.solo5Targets {
            let direct = try resolved([], target)
            #expect(direct.typeName
                == "DNSStubResolver<DirectStack<Solo5Network, Solo5Platform>, PlatformTime<Solo5Platform>, PlatformLoopClock<Solo5Platform>, SplitMix64>")
        }
    }

    @Test func httpServesOnTheStackThatNetChooses() throws {
        func resolved(_ arguments: [String], _ target: Target) throws -> DeviceImplementation {
            try #require(try plan(arguments, of: Self.website, target: target).resolvedDevices().first).implementation
        }
        let socket = try resolved([], .unix)
        #expect(socket.typeName == Self.httpServer("SocketStack", "UnixPlatform"))
        #expect(socket.expression == "HTTPServer(stack: SocketStack(loop: loop), time: PlatformTime(loop: loop), "
            + "clock: PlatformLoopClock(platform: platform), wallClock: PlatformWallClock(platform: platform), "
            + "configuration: HTTPServerConfiguration(maxConnections: Keys.maxConnections, backlog: Keys.backlog))")
        #expect(socket.modules == ["SwiftletHTTP"])
        let tap = try resolved(["--net=direct"], .unix)
        #expect(tap.typeName == Self.httpServer("DirectStack<TapDevice, UnixPlatform>", "UnixPlatform"))
        #expect(tap.expression.hasPrefix("HTTPServer(stack: await DirectStack.started(link: TapDevice.attach(name: Keys.interface, loop: loop)"))
        #expect(tap.modules == ["SwiftletNet", "SwiftletHTTP"])
        for target in Target.solo5Targets {
            let direct = try resolved([], target)
            #expect(direct.typeName == Self.httpServer("DirectStack<Solo5Network, Solo5Platform>", "Solo5Platform"))
            #expect(direct.expression.contains("Solo5Network(name: \"service\", loop: loop)"))
            #expect(direct.solo5Device == .network)
            #expect(error { _ = try plan(["--net=socket"], of: Self.website, target: target) }?.message
                == "--net=socket is not available on target \(target.rawValue)")
        }
        #expect(error { _ = try plan(["--net=carrier-pigeon"], of: Self.website) }?.message == "--net must be one of socket, direct, not 'carrier-pigeon'")
    }

    @Test func httpTakesTheStacksKeys() throws {
        #expect(try plan(of: Self.website).unikernel.keys.map(\.name) == ["port", "net", "max-connections", "backlog"])
        let direct = try plan(["--net=direct", "--ipv4=192.168.7.2/24", "--dhcp", "--interface=tap3"], of: Self.website)
        #expect(direct.unikernel.keys.map(\.name) == ["port", "net", "max-connections", "backlog", "interface", "ipv4", "ipv4-gateway", "dhcp"])
        #expect(direct.keyValues["ipv4"] == "192.168.7.2/24" && direct.keyValues["dhcp"] == "true" && direct.keyValues["interface"] == "tap3")
        #expect(try plan(target: .spt).unikernel.keys.map(\.name) == ["hello"])
        #expect(try plan(of: Self.website, target: .spt).unikernel.keys.map(\.name)
            == ["port", "net", "ipv4", "ipv4-gateway", "dhcp", "max-connections", "backlog"])
        // A key of Swiftlet's stack without --net direct says which choice it needs (issue 18).
        let needsDirect = error { _ = try plan(["--ipv4=10.1.1.1/24"], of: Self.website) }
        #expect(needsDirect?.message == "--ipv4 needs --net=direct: it is a key of that implementation")
        #expect(needsDirect?.hint == "swiftlet configure -t unix --net=direct --ipv4=10.1.1.1/24")
        #expect(needsDirect?.status == 2)
        // MirageOS's `--dhcp true` and `--dhcp false` spellings.
        #expect(try plan(["--net", "direct", "--dhcp", "true"], of: Self.website).keyValues["dhcp"] == "true")
        #expect(try plan(["--net", "direct", "--dhcp", "false"], of: Self.website).keyValues["dhcp"] == "false")
        #expect(try plan(["--dhcp", "--net", "direct"], of: Self.website).keyValues["dhcp"] == "true")
        #expect(error { _ = try plan(["--net=bogus"], of: Self.website) }?.status == 2)
        #expect(error { _ = try plan(["--net=socket"], of: Self.website, target: .hvt) }?.status == 2)
    }

    @Test func httpBesideAStackSharesIt() throws {
        var description = Self.website
        description.devices.insert(.init(kind: "stack", label: "stack", name: "service"), at: 0)
        description.devices.append(.init(kind: "http", label: "admin", name: "management"))
        for target in [Target.unix, .spt] {
            let plan = try plan(["--net=direct"], of: description, target: target)
            // One of each key, though two kinds bring them.
            let names = plan.unikernel.keys.map(\.name)
            #expect(names.count == Set(names).count, "\(names)")
            let devices = try plan.resolvedDevices()
            #expect(devices[1].implementation.expression.hasPrefix("HTTPServer(stack: stack, "))
            #expect(devices[1].implementation.typeName == devices[2].implementation.typeName)
            // Solo5 attaches "service" once, for the stack, and "management" for the other server.
            if target == .spt {
                #expect(Solo5Manifest(plan: plan).entries.map(\.name) == ["service", "management"])
            }
        }
        // The server is created after the stack it uses, whatever order config.swift gives.
        description.devices.swapAt(0, 1)
        let source = try CodeGenerator(plan: try plan(of: description)).mainSource()
        let stack = try #require(source.range(of: "    let stack = SocketStack(loop: loop)\n"))
        let http = try #require(source.range(of: "    let http = HTTPServer(stack: stack, "))
        #expect(stack.lowerBound < http.lowerBound)
        #expect(source.contains("import SwiftletHTTP\n"))
        #expect(source.contains("return await startApplication(Website(http: http, stack: stack, admin: admin).start)"))
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
