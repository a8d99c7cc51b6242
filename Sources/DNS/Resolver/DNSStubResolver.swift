import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices
import SwiftletRuntime

/// How a ``DNSStubResolver`` asks and how long it waits.
public struct DNSResolverConfiguration: Sendable {
    /// How long to wait for one server's answer to one query.
    public var timeout: Duration = .seconds(2)
    /// How many times every server is tried, in order, before giving up.
    public var rounds = 2
    /// The longest CNAME chain followed.
    public var maximumCNAMEs = 8
    /// Answers kept in the cache.
    public var cacheCapacity = 256
    /// TTLs are capped at this many seconds (a day).
    public var maximumTimeToLive: UInt32 = 86_400
    /// The server port.
    public var serverPort: UInt16 = 53

    /// The defaults.
    public init() {}
}

/// What a resolver saw, for tests and diagnostics.
public struct DNSResolverStatistics: Equatable, Sendable {
    /// Queries sent over UDP and over TCP.
    public var udpQueries = 0, tcpQueries = 0
    /// Datagrams ignored because they did not answer the query: wrong ID, question, or source.
    public var mismatchedAnswers = 0
    /// Queries that got no answer in time.
    public var timeouts = 0
    /// Lookups answered from the cache.
    public var cacheHits = 0
}

/// A stub resolver (RFC 1035 §7, RFC 1123 §6.1.3): asks recursive servers over UDP, again
/// over TCP when an answer comes back truncated, follows CNAMEs, and caches answers for their
/// TTL. Every query has a random ID from `random` and a fresh socket on a port the stack picks
/// at random; an answer counts only when it comes from the server's address and port, carries
/// the query's ID and repeats its question. Each server gets ``DNSResolverConfiguration/timeout``,
/// and the list is tried ``DNSResolverConfiguration/rounds`` times.
///
/// ```swift
/// let dns = DNSStubResolver(stack: stack, time: time, clock: clock, random: random,
///                           servers: { [IPv4Address(10, 0, 0, 1)] })
/// let addresses = try await dns.addresses(of: "example.com")
/// ```
public final class DNSStubResolver<Stack: NetworkStack, Time: TimeDevice, Clock: MonotonicClock, Random: RandomNumberGenerator>: DNSResolving {
    let stack: Stack
    let time: Time
    let clock: Clock
    var random: Random
    let servers: () -> [IPv4Address]
    let configuration: DNSResolverConfiguration
    let spawn: (@escaping () async -> Void) -> Void
    var cache: DNSCache
    /// What the resolver has done so far.
    public private(set) var statistics = DNSResolverStatistics()

    /// A resolver asking `servers()` (read at every lookup, so a new DHCP lease's servers are
    /// used), starting its timers with `spawn`.
    public init(stack: Stack, time: Time, clock: Clock, random: Random, servers: @escaping () -> [IPv4Address],
                configuration: DNSResolverConfiguration = DNSResolverConfiguration(),
                spawn: @escaping (@escaping () async -> Void) -> Void = { body in Task { await body() } }) {
        self.stack = stack
        self.time = time
        self.clock = clock
        self.random = random
        self.servers = servers
        self.configuration = configuration
        self.spawn = spawn
        cache = DNSCache(capacity: configuration.cacheCapacity)
    }

    public func addresses(of name: String) async throws(DNSError) -> [IPv4Address] {
        if let address = IPv4Address(name) { return [address] }
        guard let parsed = DNSName(name) else { throw .invalidName(name) }
        return try await resolve(parsed, type: .a).compactMap { data in
            if case .ipv4(let address) = data { address } else { nil }
        }
    }

    /// The IPv6 addresses of `name` (AAAA records).
    public func ipv6Addresses(of name: String) async throws(DNSError) -> [IPv6Address] {
        guard let parsed = DNSName(name) else { throw .invalidName(name) }
        return try await resolve(parsed, type: .aaaa).compactMap { data in
            if case .ipv6(let address) = data { address } else { nil }
        }
    }

    /// The records of `type` for `name`, CNAMEs followed (at most
    /// ``DNSResolverConfiguration/maximumCNAMEs``), from the cache when it has them.
    public func resolve(_ name: DNSName, type: DNSRecordType) async throws(DNSError) -> [DNSRecordData] {
        var current = name
        var aliases: [DNSName] = []
        var timeToLive = configuration.maximumTimeToLive
        for _ in 0...configuration.maximumCNAMEs {
            if let cached = cache.lookup(DNSCache.Key(name: current, type: type), now: clock.now()) {
                statistics.cacheHits += 1
                return cached
            }
            let question = DNSQuestion(name: current, type: type)
            let response = try await query(question)
            if response.responseCode == .nameError { throw .nameNotFound(name.description) }
            // Follow the chain inside the answer; records not on it are ignored.
            var target = current
            var steps = 0
            while true {
                let matching = response.answers.filter { $0.name == target && $0.type == type && $0.recordClass == .internet }
                if !matching.isEmpty {
                    for record in matching { timeToLive = min(timeToLive, record.timeToLive) }
                    let data = matching.map { $0.data }
                    let now = clock.now()
                    // The name asked for and every alias on the way lead to these records.
                    for owner in aliases + [current, target] {
                        cache.insert(DNSCache.Key(name: owner, type: type), data, timeToLive: timeToLive, now: now)
                    }
                    return data
                }
                guard steps < configuration.maximumCNAMEs,
                      let alias = response.answers.first(where: { $0.name == target && $0.type == .cname }),
                      case .canonicalName(let next) = alias.data else { break }
                timeToLive = min(timeToLive, alias.timeToLive)
                aliases.append(target)
                target = next
                steps += 1
            }
            guard target != current else { throw .noRecords(name.description) }
            // The server stopped at an alias: ask for where it leads.
            aliases.append(current)
            current = target
            guard aliases.count <= configuration.maximumCNAMEs else { break }
        }
        throw .serverFailure("the CNAME chain of \(name) is longer than \(configuration.maximumCNAMEs)")
    }

    // MARK: Asking the servers

    /// Asks every server in turn, for ``DNSResolverConfiguration/rounds`` rounds, until one
    /// gives an answer (NOERROR or NXDOMAIN).
    func query(_ question: DNSQuestion) async throws(DNSError) -> DNSMessage {
        let servers = self.servers()
        guard !servers.isEmpty else { throw .noServers }
        var failure = DNSError.timedOut
        for _ in 0..<max(1, configuration.rounds) {
            for address in servers {
                let server = IPv4Endpoint(address: address, port: configuration.serverPort)
                do {
                    var response = try await exchangeUDP(question, with: server)
                    if response.isTruncated { response = try await exchangeTCP(question, with: server) }
                    if response.responseCode == .noError || response.responseCode == .nameError { return response }
                    failure = .serverFailure("\(address) answered with response code \(response.responseCode.rawValue)")
                } catch {
                    failure = error
                }
            }
        }
        throw failure
    }

    /// Whether `message` answers the query `id` for `question`.
    func answers(_ message: DNSMessage, id: UInt16, question: DNSQuestion) -> Bool {
        message.id == id && message.isResponse && message.opcode == 0 && message.questions == [question]
    }

    private func queryBytes(_ question: DNSQuestion) -> (id: UInt16, bytes: [UInt8]) {
        let id = UInt16.random(in: .min ... .max, using: &random)
        var bytes: [UInt8] = []
        DNSMessage(query: question, id: id).emit(into: &bytes)
        return (id, bytes)
    }

    func exchangeUDP(_ question: DNSQuestion, with server: IPv4Endpoint) async throws(DNSError) -> DNSMessage {
        let (id, bytes) = queryBytes(question)
        let socket: Stack.Datagrams
        do {
            socket = try await stack.bindUDP(port: 0)
        } catch {
            throw .serverFailure("no UDP socket: \(error)")
        }
        statistics.udpQueries += 1
        var finished = false
        // The timeout closes the socket, which ends the pending receive.
        let time = self.time, timeout = configuration.timeout
        spawn {
            await time.sleep(for: timeout)
            if !finished { await socket.close() }
        }
        defer { finished = true }
        do {
            try await socket.send(bytes, to: server)
            while true {
                let (datagram, source) = try await socket.receive()
                guard source == server, let message = try? DNSMessage.parse(datagram[...]),
                      answers(message, id: id, question: question) else {
                    statistics.mismatchedAnswers += 1
                    continue
                }
                finished = true
                await socket.close()
                return message
            }
        } catch {
            let timedOut = error == .closed
            finished = true
            await socket.close()
            if timedOut {
                statistics.timeouts += 1
                throw .timedOut
            }
            throw .serverFailure("\(server.address): \(error)")
        }
    }

    func exchangeTCP(_ question: DNSQuestion, with server: IPv4Endpoint) async throws(DNSError) -> DNSMessage {
        let (id, bytes) = queryBytes(question)
        statistics.tcpQueries += 1
        let stack = self.stack
        let connection = try await withTimeout(configuration.timeout, on: time, spawn: spawn, error: DNSError.timedOut,
                                               late: { await $0.close() }) { () async throws(DNSError) in
            do throws(NetError) {
                return try await stack.connect(to: server)
            } catch {
                throw DNSError.serverFailure("TCP to \(server.address): \(error)")
            }
        }
        var finished = false
        let time = self.time, timeout = configuration.timeout
        spawn {
            await time.sleep(for: timeout)
            if !finished { await connection.close() }
        }
        defer { finished = true }
        // RFC 1035 §4.2.2: each message is preceded by its length in two bytes.
        var received: [UInt8] = []
        do {
            try await connection.write([UInt8(truncatingIfNeeded: bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)] + bytes)
            while true {
                if received.count >= 2 {
                    let length = Int(received[0]) << 8 | Int(received[1])
                    if received.count >= 2 + length { break }
                }
                guard let more = try await connection.read(maxLength: 65_537 - received.count) else { break }
                received += more
            }
        } catch {
            finished = true
            await connection.close()
            if error == .closed {
                statistics.timeouts += 1
                throw .timedOut
            }
            throw .serverFailure("TCP to \(server.address): \(error)")
        }
        finished = true
        await connection.close()
        guard received.count >= 2 else { throw .serverFailure("\(server.address) closed the TCP connection without answering") }
        let length = Int(received[0]) << 8 | Int(received[1])
        guard received.count >= 2 + length, let message = try? DNSMessage.parse(received[2..<(2 + length)]),
              answers(message, id: id, question: question) else {
            statistics.mismatchedAnswers += 1
            throw .serverFailure("\(server.address) sent an unusable answer over TCP")
        }
        return message
    }
}
