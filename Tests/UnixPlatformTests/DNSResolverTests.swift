import Foundation
import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletDNS
import SwiftletUnix

/// The stub resolver over host sockets against real servers on loopback: dnsmasq (a local
/// zone, a CNAME, an answer too big for UDP that dnsmasq truncates, so the resolver asks again
/// over TCP, NXDOMAIN), unbound serving a local zone, and two misbehaving servers (a Python
/// responder that lies about the ID, the source port and the question; one that never answers)
/// that the resolver must ignore and move past.
@Suite(.serialized) struct DNSResolverTests {
    typealias Resolver = DNSStubResolver<SocketStack, PlatformTime<UnixPlatform>, PlatformMonotonicClock<UnixPlatform>, UnixRandom>

    /// A UDP and TCP port free on 127.0.0.1 just now.
    static func freePort() -> UInt16 {
        for _ in 0..<50 {
            let port = UInt16.random(in: 20_000...40_000)
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/bin/sh")
            check.arguments = ["-c", "ss -Htuln | grep -q ':\(port) '"]
            try? check.run()
            check.waitUntilExit()
            if check.terminationStatus != 0 { return port }
        }
        return 34_567
    }

    /// A server that puts itself in the background and writes its process ID to `pidFile`.
    /// Started with `system`, not `Process`: Foundation watches a child through a descriptor
    /// the child inherits, which a daemon keeps open or closes, and either stalls the watch.
    static func startDaemon(_ arguments: [String], pidFile: URL) throws -> pid_t {
        let quoted = arguments.map { "'" + $0 + "'" }.joined(separator: " ")
        let status = system(quoted + " </dev/null >/dev/null 2>&1")
        // unbound writes the file after it forks: wait for it, at most 5 s.
        var text = ""
        for _ in 0..<100 {
            text = (try? String(contentsOf: pidFile, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n") { break }
            usleep(50_000)
        }
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else {
            throw DaemonFailure(text: "\(arguments[0]) did not start (status \(status))")
        }
        return pid
    }

    struct DaemonFailure: Error { let text: String }

    /// Ends a server started with ``startDaemon(_:pidFile:)``, at most 2 s after asking.
    static func stopDaemon(_ pid: pid_t) {
        kill(pid, SIGTERM)
        for _ in 0..<200 where kill(pid, 0) == 0 { usleep(10_000) }
        kill(pid, SIGKILL)
    }

    static func resolver(_ loop: SwiftletRuntime.RunLoop<UnixPlatform>, servers: [IPv4Address], port: UInt16,
                         timeout: Duration = .seconds(2)) -> Resolver {
        var configuration = DNSResolverConfiguration()
        configuration.serverPort = port
        configuration.timeout = timeout
        return DNSStubResolver(stack: SocketStack(loop: loop), time: PlatformTime(loop: loop),
                               clock: PlatformMonotonicClock(platform: loop.platform), random: UnixRandom(),
                               servers: { servers }, configuration: configuration, spawn: { loop.spawn($0) })
    }

    @Test func resolvesFromDnsmasqWithCNAMETruncationAndCache() throws {
        guard Host.find("dnsmasq") != nil, true else {
            print("DNSResolverTests: skipped, needs dnsmasq (apt-get install dnsmasq)")
            return
        }
        let port = Self.freePort()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-dns-\(getpid())-\(port)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // 60 addresses for big.test: 60 × 16 bytes of answers do not fit in 512.
        let hosts = (1...60).map { "10.1.0.\($0) big.test" }.joined(separator: "\n") + "\n"
        try hosts.write(to: folder.appendingPathComponent("hosts"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        let dnsmasq = try Self.startDaemon([
            "dnsmasq", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--pid-file=\(folder.path)/pid",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--port=\(port)", "--local=/test/", "--local-ttl=60",
            "--address=/plain.test/192.0.2.10", "--host-record=host.test,192.0.2.11", "--cname=alias.test,host.test",
            "--addn-hosts=\(folder.path)/hosts",
        ], pidFile: folder.appendingPathComponent("pid"))
        defer { Self.stopDaemon(dnsmasq) }
        try runOnUnixLoop(seconds: 60) { loop in
            let dns = Self.resolver(loop, servers: [.loopback], port: port)
            let answer1 = try await dns.addresses(of: "plain.test")
            #expect(answer1 == [IPv4Address(192, 0, 2, 10)])
            let answer2 = try await dns.addresses(of: "alias.test")
            #expect(answer2 == [IPv4Address(192, 0, 2, 11)])
            // Cached: no new query.
            let queries = dns.statistics.udpQueries
            let answer3 = try await dns.addresses(of: "PLAIN.test")
            #expect(answer3 == [IPv4Address(192, 0, 2, 10)])
            #expect(dns.statistics.udpQueries == queries && dns.statistics.cacheHits == 1)
            // Too big for UDP: dnsmasq sets TC, the resolver asks over TCP.
            let big = try await dns.addresses(of: "big.test")
            #expect(Set(big) == Set((1...60).map { IPv4Address(10, 1, 0, UInt8($0)) }))
            #expect(dns.statistics.tcpQueries == 1)
            await #expect(throws: DNSError.nameNotFound("missing.test")) { try await dns.addresses(of: "missing.test") }
            let answer4 = try await dns.addresses(of: "192.0.2.99")
            #expect(answer4 == [IPv4Address(192, 0, 2, 99)])
            await #expect(throws: DNSError.invalidName("a..b")) { try await dns.addresses(of: "a..b") }
            #expect(dns.statistics.mismatchedAnswers == 0 && dns.statistics.timeouts == 0)
        }
    }

    @Test func resolvesUnboundsLocalZone() throws {
        guard Host.find("unbound") != nil else {
            print("DNSResolverTests: skipped, needs unbound (apt-get install unbound)")
            return
        }
        let port = Self.freePort()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-unbound-\(getpid())-\(port)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = """
            server:
              interface: 127.0.0.1
              port: \(port)
              do-ip6: no
              do-daemonize: yes
              use-syslog: no
              logfile: ""
              username: ""
              chroot: ""
              pidfile: "\(folder.path)/pid"
              directory: "\(folder.path)"
              access-control: 127.0.0.0/8 allow
              module-config: "iterator"
              local-zone: "unbound.test." static
              local-data: "www.unbound.test. 300 IN A 192.0.2.50"
              local-data: "www.unbound.test. 300 IN A 192.0.2.51"
              local-data: "www.unbound.test. 300 IN AAAA 2001:db8::50"
              local-data: "alias.unbound.test. 300 IN CNAME www.unbound.test."
            remote-control:
              control-enable: no

            """
        let file = folder.appendingPathComponent("unbound.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        let unbound = try Self.startDaemon(["unbound", "-c", file.path], pidFile: folder.appendingPathComponent("pid"))
        defer { Self.stopDaemon(unbound) }
        try runOnUnixLoop(seconds: 60) { loop in
            let dns = Self.resolver(loop, servers: [.loopback], port: port)
            let answer5 = try await dns.addresses(of: "www.unbound.test")
            #expect(Set(answer5) == [IPv4Address(192, 0, 2, 50), IPv4Address(192, 0, 2, 51)])
            let answer6 = try await dns.addresses(of: "alias.unbound.test")
            #expect(Set(answer6) == [IPv4Address(192, 0, 2, 50), IPv4Address(192, 0, 2, 51)])
            let answer7 = try await dns.ipv6Addresses(of: "www.unbound.test")
            #expect(answer7.map(\.description) == ["2001:db8:0:0:0:0:0:50"])
            await #expect(throws: DNSError.nameNotFound("nothing.unbound.test")) { try await dns.addresses(of: "nothing.unbound.test") }
        }
    }

    /// Answers every query three ways, all wrong: the ID plus one, the right ID from another
    /// port, the right ID for another name. Prints the source port and ID of each query.
    static let liar = """
        import socket, struct, sys
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); server.bind(("127.0.0.2", int(sys.argv[1])))
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); other.bind(("127.0.0.2", 0))
        print("ready", flush=True)
        while True:
            query, source = server.recvfrom(512)
            ident = struct.unpack(">H", query[:2])[0]
            print("query", source[1], ident, flush=True)
            end = query.index(0, 12) + 5
            def answer(ident, question):
                return struct.pack(">HHHHHH", ident, 0x8180, 1, 1, 0, 0) + question + b"\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x3c\\x00\\x04\\x06\\x06\\x06\\x06"
            server.sendto(answer((ident + 1) & 0xFFFF, query[12:end]), source)
            other.sendto(answer(ident, query[12:end]), source)
            server.sendto(answer(ident, b"\\x04evil\\x04test\\x00\\x00\\x01\\x00\\x01"), source)
        """

    @Test func ignoresALiarAndASilentServerThenAsksTheNext() throws {
        guard Host.find("dnsmasq") != nil, Host.find("python3") != nil else {
            print("DNSResolverTests: skipped, needs dnsmasq and python3")
            return
        }
        let port = Self.freePort()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-dns-liar-\(getpid())-\(port)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let dnsmasq = try Self.startDaemon([
            "dnsmasq", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--pid-file=\(folder.path)/pid",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--port=\(port)", "--address=/plain.test/192.0.2.10",
        ], pidFile: folder.appendingPathComponent("pid"))
        defer { Self.stopDaemon(dnsmasq) }
        let liar = try Host.start(["python3", "-c", Self.liar, "\(port)"])
        defer { Host.stop(liar) }
        try runOnUnixLoop(seconds: 60) { loop in
            // 127.0.0.3: nothing listens, nothing answers.
            let dns = Self.resolver(loop, servers: [IPv4Address(127, 0, 0, 3), IPv4Address(127, 0, 0, 2), .loopback],
                                    port: port, timeout: .milliseconds(700))
            let started = loop.platform.monotonicNow()
            let answer8 = try await dns.addresses(of: "plain.test")
            #expect(answer8 == [IPv4Address(192, 0, 2, 10)])
            let elapsed = loop.platform.monotonicNow() - started
            #expect(dns.statistics.timeouts == 2, "the silent server and the liar each time out")
            #expect(dns.statistics.mismatchedAnswers == 3, "three lies, none believed")
            #expect(elapsed >= .milliseconds(1400) && elapsed < .seconds(10))
            // Only liars: the resolver gives up after its rounds.
            let liarOnly = Self.resolver(loop, servers: [IPv4Address(127, 0, 0, 2)], port: port, timeout: .milliseconds(300))
            await #expect(throws: DNSError.timedOut) { try await liarOnly.addresses(of: "plain.test") }
            #expect(liarOnly.statistics.udpQueries == 2)
        }
        Host.stop(liar)
        let output = String(decoding: (liar.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let queries = output.split(separator: "\n").filter { $0.hasPrefix("query") }.map { $0.split(separator: " ") }
        #expect(queries.count == 3)
        // Every query from its own port and with its own ID.
        #expect(Set(queries.map { $0[1] }).count == queries.count)
        #expect(Set(queries.map { $0[2] }).count == queries.count)
    }
}
