import Foundation
import Testing

/// The tutorial's steps, run as a newcomer would: `swiftlet configure`, `swiftlet build`, and the
/// built program, on scratch copies of `Examples/`.
@Suite struct ExampleTests {
    /// A log line as MirageOS prints it: `2026-11-21 10:54:44 +00:00: INF [application] hello`.
    static func isLogLine(_ line: String, level: String = "INF", source: String = "application", message: String,
                          prefix: Bool = false) -> Bool {
        line.wholeMatch(of: #/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+00:00: (\w+) \[([^\]]+)\] (.*)/#).map {
            $0.1 == level && $0.2 == source && (prefix ? $0.3.hasPrefix(message) : $0.3 == message)
        } ?? false
    }

    @Test func noopBuildsAndExitsZero() throws {
        let folder = try Support.copy("Examples/noop")
        defer { Support.remove(folder) }
        let configure = try Support.swiftlet(["configure", "-t", "unix"], in: folder)
        #expect(configure.status == 0, "\(configure.stderr)")
        #expect(configure.stdout.contains("Configured noop for unix"))
        let build = try Support.swiftlet(["build"], in: folder)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.stdout == "Built dist/noop\n")
        let run = try Support.run(folder.appendingPathComponent("dist/noop").path, timeout: 10)
        #expect(run.status == 0)
        #expect(run.stdout.isEmpty && run.stderr.isEmpty)
    }

    @Test func helloLogsFourTimesOneSecondApart() throws {
        let folder = try Support.copy("Examples/hello")
        defer { Support.remove(folder) }
        let build = try Support.swiftlet(["configure", "-t", "unix"], in: folder)
        #expect(build.status == 0, "\(build.stderr)")
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        let run = try Support.runTimingLines(folder.appendingPathComponent("dist/hello").path, timeout: 15)
        #expect(run.status == 0)
        #expect(run.lines.count == 4, "\(run.lines)")
        for (line, _) in run.lines { #expect(Self.isLogLine(line, message: "hello"), "\(line)") }
        // Each line about a second after the one before.
        for (previous, next) in zip(run.lines, run.lines.dropFirst()) {
            let gap = next.1 - previous.1
            #expect(gap > 0.9 && gap < 1.4, "lines \(gap) s apart")
        }
    }

    @Test func helloKeyReadsItsRuntimeKey() throws {
        let folder = try Support.copy("Examples/hello-key")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["configure", "-t", "unix"], in: folder).status == 0)
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        let image = folder.appendingPathComponent("dist/hello-key").path

        let plain = try Support.run(image, timeout: 10)
        #expect(plain.status == 0)
        #expect(plain.lines.count == 4)
        #expect(plain.lines.allSatisfy { Self.isLogLine($0, message: "Hello World!") }, "\(plain.lines)")

        let bonjour = try Support.run(image, ["--hello=Bonjour"], timeout: 10)
        #expect(bonjour.lines.count == 4)
        #expect(bonjour.lines.allSatisfy { Self.isLogLine($0, message: "Bonjour") }, "\(bonjour.lines)")

        let help = try Support.run(image, ["--help"], timeout: 10)
        #expect(help.status == 0)
        #expect(help.stdout.contains("--hello=STRING"))
        #expect(help.stdout.contains("How to say hello. (default: \"Hello World!\")"))

        let typo = try Support.run(image, ["--helo=Bonjour"], timeout: 10)
        #expect(typo.status == 2)
        #expect(typo.stdout.contains("unknown key --helo (did you mean --hello?)"))
    }

    @Test func helpConfigureListsTheKeyWithItsDocAndDefault() throws {
        let folder = try Support.copy("Examples/hello-key")
        defer { Support.remove(folder) }
        let help = try Support.swiftlet(["help", "configure"], in: folder)
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.contains("--hello=STRING  How to say hello. (default: \"Hello World!\"; runtime key; Keys.hello)"))
        #expect(help.stdout.contains("unix    an ordinary Linux executable"))
        #expect(help.stdout.contains("time: TimeDevice (unix: PlatformTime<UnixPlatform>; spt: PlatformTime<Solo5Platform>; hvt: PlatformTime<Solo5Platform>; virtio: PlatformTime<Solo5Platform>)"))
    }

    @Test func configureChangesARuntimeKeysDefault() throws {
        let folder = try Support.copy("Examples/hello-key")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["configure", "-t", "unix", "--hello=Hola!"], in: folder).status == 0)
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        let image = folder.appendingPathComponent("dist/hello-key").path
        #expect(try Support.run(image, timeout: 10).lines.allSatisfy { Self.isLogLine($0, message: "Hola!") })
        #expect(try Support.run(image, ["--hello", "Hi!"], timeout: 10).lines.allSatisfy { Self.isLogLine($0, message: "Hi!") })
    }

    @Test func runConfiguresBuildsAndPassesArguments() throws {
        let folder = try Support.copy("Examples/console")
        defer { Support.remove(folder) }
        let run = try Support.swiftlet(["run", "-t", "unix", "--", "--count=3", "--interval-ms=10"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.count == 4, "\(run.lines)")
        #expect(run.lines.first?.hasPrefix("line 1 of 3 at 20") == true)
        #expect(run.lines.last == "console: wrote 3 lines")
        let refused = try Support.swiftlet(["run", "--", "--count=-1"], in: folder)
        #expect(refused.status == 2)
        #expect(refused.stdout.contains("must not be negative"))
    }

    @Test func badTargetsAndKeysAreNamed() throws {
        let folder = try Support.copy("Examples/hello-key")
        defer { Support.remove(folder) }
        let target = try Support.swiftlet(["configure", "-t", "bogus"], in: folder)
        #expect(target.status == 2)
        #expect(target.stderr == "swiftlet: unknown target 'bogus'\n  choose one of: unix, spt, hvt, virtio\n")
        let key = try Support.swiftlet(["configure", "--unknown-key=1"], in: folder)
        #expect(key.status == 2)
        #expect(key.stderr.hasPrefix("swiftlet: unknown key --unknown-key\n"))
        #expect(key.stderr.contains("--hello"))
        let badValue = try Support.swiftlet(["configure", "--hello"], in: folder)
        #expect(badValue.status == 2)
        #expect(badValue.stderr.contains("--hello needs a value"))
        let virtio = try Support.swiftlet(["configure", "-t", "virtio"], in: folder)
        #expect(virtio.status == 0, "\(virtio.stderr)")
        #expect(virtio.stdout == "Configured hello-key for virtio: swiftlet build makes dist/hello-key.virtio\n")
    }

    @Test func describePrintsTheDeviceGraph() throws {
        let folder = try Support.copy("Examples/console")
        defer { Support.remove(folder) }
        let describe = try Support.swiftlet(["describe", "-t", "unix", "--count=2"], in: folder)
        #expect(describe.status == 0, "\(describe.stderr)")
        #expect(describe.stdout == """
        unikernel: console
        target: unix
        image: dist/console
        main: ConsoleWriter(console:time:wallClock:)
        devices:
          console: ConsoleDevice = PlatformConsole<UnixPlatform>
          time: TimeDevice = PlatformTime<UnixPlatform>
          wallClock: WallClock = PlatformWallClock<UnixPlatform>
        keys:
          count: INT = 2 (runtime)
          interval-ms: INT = 200 (runtime)
        modules: SwiftletDevices, SwiftletRuntime, CSwiftletUnix, SwiftletUnix

        """)
    }

    @Test func buildConfiguresAgainWhenConfigChanges() throws {
        let folder = try Support.copy("Examples/hello-key")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["configure", "--hello=Hola"], in: folder).status == 0)
        let config = folder.appendingPathComponent("config.swift")
        let edited = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "\"Hello World!\"", with: "\"Salut\"")
        try edited.write(to: config, atomically: true, encoding: .utf8)
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        // The new default applies, and the configure-time value given before is kept.
        let plan = try String(contentsOf: folder.appendingPathComponent("_build/main.swift"), encoding: .utf8)
        #expect(plan.contains("static var hello: String = \"Hola\""))
        #expect(try Support.swiftlet(["configure"], in: folder).status == 0)
        let again = try String(contentsOf: folder.appendingPathComponent("_build/main.swift"), encoding: .utf8)
        #expect(again.contains("static var hello: String = \"Salut\""))
    }

    @Test func cleanRemovesGeneratedFiles() throws {
        let folder = try Support.copy("Examples/noop")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["configure"], in: folder).status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("_build/main.swift").path))
        #expect(try Support.swiftlet(["clean"], in: folder).status == 0)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("_build").path))
        let build = try Support.swiftlet(["build"], in: folder)
        #expect(build.status == 1)
        #expect(build.stderr.contains("is not configured"))
    }
}

/// What goes wrong in a unikernel's own files is reported with the compiler's words.
@Suite struct ConfigurationErrorTests {
    @Test func missingConfigSaysWhereToRun() throws {
        let folder = try Support.folder(["unikernel.swift": "struct App { func start() async {} }\n"])
        defer { Support.remove(folder) }
        let result = try Support.swiftlet(["configure"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no config.swift in"))
        #expect(result.stderr.contains("run swiftlet in a unikernel's folder"))
    }

    @Test func configThatDoesNotCompileShowsTheCompilerMessage() throws {
        let folder = try Support.folder([
            "config.swift": "import SwiftletConfig\nregister(\"x\", main: \"App\", devices: [.tiem])\n",
            "unikernel.swift": "struct App { func start() async {} }\n",
        ])
        defer { Support.remove(folder) }
        let result = try Support.swiftlet(["configure"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("swiftlet: config.swift does not compile:"))
        #expect(result.stderr.contains("config.swift:2:"))
        #expect(result.stderr.contains("tiem"))
    }

    @Test func configThatNeverRegistersIsAnError() throws {
        let folder = try Support.folder(["config.swift": "import SwiftletConfig\nlet x = 1\n", "unikernel.swift": "\n"])
        defer { Support.remove(folder) }
        let result = try Support.swiftlet(["configure"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("config.swift never calls register(...)"))
    }

    @Test func wrongWiringIsACompileError() throws {
        let folder = try Support.folder([
            "config.swift": "import SwiftletConfig\nregister(\"wired\", main: \"App\", devices: [.console])\n",
            "unikernel.swift": "import SwiftletDevices\nstruct App<Time: TimeDevice> {\n    let console: Time\n    func start() async {}\n}\n",
        ])
        defer { Support.remove(folder) }
        let result = try Support.swiftlet(["run"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("building wired for unix failed"))
        #expect(result.stderr.contains("requires that 'PlatformConsole<UnixPlatform>' conform to 'TimeDevice'"))
    }
}

/// Tests/Unikernels: one tiny unikernel per behaviour, each with a success marker and status.
@Suite struct TestUnikernelTests {
    @Test func everyKindOfTaskRunsOnTheRunLoop() throws {
        let folder = try Support.copy("Tests/Unikernels/tasks")
        defer { Support.remove(folder) }
        let result = try Support.swiftlet(["run", "-t", "unix"], in: folder, timeout: 300)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("SUCCESS: tasks"))
    }

    @Test func startChoosesTheExitStatusOrFails() throws {
        let folder = try Support.copy("Tests/Unikernels/exit-status")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["build", "-t", "unix"], in: folder).status == 0)
        let image = folder.appendingPathComponent("dist/exit-status").path
        let zero = try Support.run(image, timeout: 10)
        #expect(zero.status == 0 && zero.stdout == "SUCCESS: exit-status 0\n")
        #expect(try Support.run(image, ["--status=7"], timeout: 10).status == 7)
        let failed = try Support.run(image, ["--fail"], timeout: 10)
        #expect(failed.status == 1)
        #expect(failed.lines.count == 1)
        #expect(ExampleTests.isLogLine(failed.lines[0], level: "ERR",
                                       message: "start() failed: asked to fail by --fail; exiting with status 1"), "\(failed.lines)")
    }

    @Test func networkOnHostSocketsLogsWhatNetcatSends() throws {
        guard (try? Support.run("/bin/sh", ["-c", "command -v nc"], timeout: 10).status) == 0 else {
            print("network example on host sockets: skipped, nc is not installed")
            return
        }
        let folder = try Support.copy("Examples/network")
        defer { Support.remove(folder) }
        let configure = try Support.swiftlet(["configure", "-t", "unix"], in: folder)
        #expect(configure.status == 0, "\(configure.stderr)")
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        // A port of its own, so parallel runs cannot collide; the unikernel is stopped after.
        let port = Int.random(in: 20_000..<30_000)
        let script = """
            dist/network --port=\(port) -l '*:debug' & pid=$!
            for i in $(seq 50); do nc -z 127.0.0.1 \(port) 2>/dev/null && break; sleep 0.1; done
            echo -n hello tcp world | nc -w1 127.0.0.1 \(port)
            sleep 0.3; kill -9 $pid; wait $pid 2>/dev/null || true
            """
        let run = try Support.run("/bin/sh", ["-c", script], in: folder, timeout: 30)
        let lines = run.lines
        #expect(lines.contains { ExampleTests.isLogLine($0, message: "listening on TCP port \(port)") }, "\(lines)")
        #expect(lines.contains { ExampleTests.isLogLine($0, message: "new tcp connection from IP 127.0.0.1 on port", prefix: true) }, "\(lines)")
        #expect(lines.contains { ExampleTests.isLogLine($0, level: "DBG", message: "read: 15 bytes:") }, "\(lines)")
        #expect(lines.contains("hello tcp world"), "\(lines)")
    }
}
