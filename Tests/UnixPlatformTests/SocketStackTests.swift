import Foundation
import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletNet
import SwiftletUnix

/// Set by a task on the loop, read by the loop's main task (same thread).
final class Completion: @unchecked Sendable {
    var isDone = false
}

/// Runs `body` on a fresh `SwiftletRuntime.RunLoop<UnixPlatform>` in this thread. The platform does not take
/// over the concurrency runtime's global queue (the test runner shares the process), so the
/// loop's tasks run through task-executor preference. `body` gets at most `seconds`: past that
/// the test fails and the loop is abandoned with the body still waiting.
func runOnUnixLoop(seconds: Int = 20, sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: @escaping (SwiftletRuntime.RunLoop<UnixPlatform>) async throws -> Void) throws {
    let loop = SwiftletRuntime.RunLoop(platform: UnixPlatform(arguments: [], routesGlobalQueues: false))
    let status = try loop.run {
        let completion = Completion()
        Task(executorPreference: loop) {
            do {
                try await body(loop)
            } catch {
                Issue.record("failed: \(error)", sourceLocation: sourceLocation)
            }
            completion.isDone = true
        }
        let deadline = loop.platform.monotonicNow() + .seconds(seconds)
        while !completion.isDone {
            guard loop.platform.monotonicNow() < deadline else {
                Issue.record("did not finish within \(seconds) s", sourceLocation: sourceLocation)
                return 1
            }
            await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(5))
        }
        return 0
    }
    _ = status
}

/// Host commands for the tests.
enum Host {
    /// The full path of `command` on the PATH, if installed.
    static func find(_ command: String) -> String? {
        for directory in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
            let path = directory + "/" + command
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Starts `arguments[0]` (looked up on the PATH) with its output captured.
    static func start(_ arguments: [String], input: Data? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: find(arguments[0]) ?? arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try? stdin.fileHandleForWriting.close()
        return process
    }

    /// Runs a short command to completion (at most `seconds`); returns its status and output.
    @discardableResult
    static func run(_ arguments: [String], seconds: Double = 10) throws -> (status: Int32, output: String) {
        let process = try start(arguments)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning { stop(process) }
        process.waitUntilExit()
        let output = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        let errors = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
        return (process.terminationStatus, String(decoding: output + errors, as: UTF8.self))
    }

    /// Ends `process` if it still runs.
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let grace = Date().addingTimeInterval(2)
        while process.isRunning && Date() < grace { usleep(2_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits on the loop (not blocking it) until `process` exits, at most `seconds`.
    static func waitForExit(_ process: Process, on loop: SwiftletRuntime.RunLoop<UnixPlatform>, seconds: Int) async -> Bool {
        let deadline = loop.platform.monotonicNow() + .seconds(seconds)
        while process.isRunning && loop.platform.monotonicNow() < deadline {
            await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(5))
        }
        return !process.isRunning
    }
}

@Suite struct SocketStackTests {
    @Test func echoesOneMegabyteOverLoopback() throws {
        try runOnUnixLoop { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            #expect(stack.ipv4Addresses == [.loopback])
            let listener = try await stack.listen(port: 0, backlog: 8)
            #expect(listener.localEndpoint.address == .loopback && listener.localEndpoint.port != 0)
            async let server: Void = {
                let connection = try await listener.accept()
                while let bytes = try await connection.read(maxLength: 65_536) {
                    try await connection.write(bytes)
                }
                await connection.close()
            }()
            let client = try await stack.connect(to: listener.localEndpoint)
            #expect(client.remoteEndpoint == listener.localEndpoint)
            #expect(client.localEndpoint.address == .loopback)
            let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
            // Write and read at once: the echo would stall on full buffers otherwise.
            async let sender: Void = {
                var offset = 0
                while offset < payload.count {
                    let end = min(offset + 100_000, payload.count)
                    try await client.write(Array(payload[offset..<end]))
                    offset = end
                }
                try await client.closeWrite()
            }()
            var received: [UInt8] = []
            while let bytes = try await client.read(maxLength: 65_536) { received += bytes }
            try await sender
            try await server
            await client.close()
            await listener.close()
            #expect(received.count == payload.count)
            #expect(received == payload)
        }
    }

    @Test func readsWhatNetcatSends() throws {
        guard Host.find("nc") != nil else {
            print("SocketStackTests: skipped the netcat peer: nc is not installed (apt-get install netcat-openbsd)")
            return
        }
        try runOnUnixLoop { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            let listener = try await stack.listen(port: 0, backlog: 1)
            let message = "hello from a real peer\n" + String(repeating: "x", count: 10_000) + "\nend\n"
            // -N: shut the socket's sending side at the end of input; -w: give up after 5 s idle.
            let netcat = try Host.start(["nc", "-N", "-w", "5", "127.0.0.1", "\(listener.localEndpoint.port)"],
                                        input: Data(message.utf8))
            defer { Host.stop(netcat) }
            let connection = try await listener.accept()
            #expect(connection.remoteEndpoint.address == .loopback)
            var received: [UInt8] = []
            while let bytes = try await connection.read(maxLength: 4096) { received += bytes }
            try await connection.write(Array("bye\n".utf8))
            await connection.close()
            #expect(String(decoding: received, as: UTF8.self) == message)
            #expect(await Host.waitForExit(netcat, on: loop, seconds: 5))
            let output = (netcat.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            #expect(String(decoding: output, as: UTF8.self) == "bye\n")
            await listener.close()
        }
    }

    @Test func connectingToAClosedPortIsRefused() throws {
        try runOnUnixLoop { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            // A port that was just free and is not listened on.
            let listener = try await stack.listen(port: 0, backlog: 1)
            let port = listener.localEndpoint.port
            await listener.close()
            do {
                _ = try await stack.connect(to: IPv4Endpoint(address: .loopback, port: port))
                Issue.record("connecting to a closed port succeeded")
            } catch {
                #expect(error as? NetError == .connectionRefused)
            }
        }
    }

    @Test func aTakenPortIsReportedInUse() throws {
        try runOnUnixLoop { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            let listener = try await stack.listen(port: 0, backlog: 1)
            let port = listener.localEndpoint.port
            do {
                _ = try await stack.listen(port: port, backlog: 1)
                Issue.record("two listeners on port \(port)")
            } catch {
                #expect(error as? NetError == .addressInUse(port: port))
            }
            await listener.close()
        }
    }

    @Test func closingTheListenerEndsAWaitingAccept() throws {
        try runOnUnixLoop { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            let listener = try await stack.listen(port: 0, backlog: 1)
            async let accepted: NetError? = {
                do { _ = try await listener.accept(); return nil } catch { return error as? NetError }
            }()
            await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(20))
            await listener.close()
            #expect(await accepted == .closed)
            do {
                _ = try await listener.accept()
                Issue.record("accept after close succeeded")
            } catch {
                #expect(error as? NetError == .closed)
            }
        }
    }

    @Test func aResetConnectionReportsConnectionReset() throws {
        try runOnUnixLoop { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            let listener = try await stack.listen(port: 0, backlog: 1)
            let client = try await stack.connect(to: listener.localEndpoint)
            let server = try await listener.accept()
            // Unread data at close makes the host send RST instead of FIN.
            try await client.write([1, 2, 3])
            await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(20))
            await server.close()
            do {
                while try await client.read(maxLength: 100) != nil {}
                Issue.record("the reset connection read to a clean end")
            } catch {
                #expect(error as? NetError == .connectionReset)
            }
            await client.close()
            await listener.close()
        }
    }

    @Test func udpRoundTrip() throws {
        try runOnUnixLoop { loop in
            let stack = SocketStack(loop: loop, address: .loopback)
            let first = try await stack.bindUDP(port: 0)
            let second = try await stack.bindUDP(port: 0)
            #expect(first.localEndpoint.port != 0 && first.localEndpoint != second.localEndpoint)
            try await first.send(Array("ping".utf8), to: second.localEndpoint)
            let (question, asker) = try await second.receive()
            #expect(question == Array("ping".utf8))
            #expect(asker == first.localEndpoint)
            let big = [UInt8](repeating: 0xAB, count: 9_000)
            try await second.send(big, to: asker)
            let (answer, answerer) = try await first.receive()
            #expect(answer == big)
            #expect(answerer == second.localEndpoint)
            await first.close()
            await second.close()
        }
    }
}
