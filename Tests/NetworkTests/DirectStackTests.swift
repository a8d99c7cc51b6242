import Testing
import SwiftletDevices
import SwiftletRuntime
@testable import SwiftletNet

/// Two of our stacks talking over an in-memory link on simulated time: deterministic, and as
/// fast as the code allows.
@Suite struct DirectStackTests {
    static let macA = MACAddress(0x02, 0, 0, 0, 0, 0x0a)
    static let macB = MACAddress(0x02, 0, 0, 0, 0, 0x0b)
    static let addressA = IPv4Address(10, 0, 0, 1)
    static let addressB = IPv4Address(10, 0, 0, 2)

    static func configuration(_ address: IPv4Address, seed: UInt64) -> DirectStackConfiguration {
        DirectStackConfiguration(addressing: .fixed(IPv4Settings(address: IPv4Prefix(address: address, length: 24)!)), seed: seed)
    }

    static func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = random.next()
            for _ in 0..<8 where index < count {
                bytes[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return bytes
    }

    static func readAll<C: TCPConnection>(_ connection: C) async -> [UInt8]? {
        var received: [UInt8] = []
        do {
            while let bytes = try await connection.read(maxLength: 65536) { received += bytes }
        } catch {
            print("read failed after \(received.count) bytes: \(error)")
            return nil
        }
        return received
    }

    /// Sends `bytes` on one connection and reads the other direction to its end, at once.
    static func exchange<C: TCPConnection>(_ connection: C, sending bytes: [UInt8]) async -> [UInt8]? {
        async let received = readAll(connection)
        do {
            try await connection.write(bytes)
            try await connection.closeWrite()
        } catch {
            print("write failed: \(error)")
            return nil
        }
        return await received
    }

    /// Moves `size` bytes each way between two stacks over `link`'s ends wrapped in `faults`.
    func transfer(size: Int, faults: FaultInjector<MemoryLink.Endpoint>.Faults) throws {
        let loop = RunLoop(platform: SimulatedPlatform())
        let link = MemoryLink(macA: Self.macA, macB: Self.macB, capacity: 4096)
        let a = DirectStack(link: FaultInjector(link.a, faults: faults), loop: loop, configuration: Self.configuration(Self.addressA, seed: 1))
        var otherFaults = faults
        otherFaults.seed &+= 1
        let b = DirectStack(link: FaultInjector(link.b, faults: otherFaults), loop: loop, configuration: Self.configuration(Self.addressB, seed: 2))
        let upstream = Self.pattern(size, seed: 10)
        let downstream = Self.pattern(size, seed: 20)
        var atServer: [UInt8]? = nil
        var atClient: [UInt8]? = nil
        let status = try loop.run {
            await a.start()
            await b.start()
            guard let listener = try? await b.listen(port: 80, backlog: 4) else { return 10 }
            async let server: [UInt8]? = {
                guard let connection = try? await listener.accept() else { return nil }
                let received = await Self.exchange(connection, sending: downstream)
                await connection.close()
                return received
            }()
            guard let client = try? await a.connect(to: IPv4Endpoint(address: Self.addressB, port: 80)) else { return 11 }
            atClient = await Self.exchange(client, sending: upstream)
            print("client \(client.tcb.statistics) after \(loop.platform.monotonicNow().nanoseconds / 1_000_000) ms simulated")
            await client.close()
            atServer = await server
            return 0
        }
        #expect(status == 0)
        #expect(atServer?.count == size)
        #expect(atClient?.count == size)
        #expect(atServer == upstream ? true : false, "the server got the client's bytes")
        #expect(atClient == downstream ? true : false, "the client got the server's bytes")
        print("drops: a \(a.drops), b \(b.drops)")
    }

    @Test func tenMegabytesEachWayOverACleanLink() throws {
        try transfer(size: 10_000_000, faults: .init(seed: 1))
    }

    @Test func tenMegabytesEachWayThroughLossReorderingAndDuplication() throws {
        // 5 % loss, 5 % reordering, 5 % duplication, in both directions of both ends.
        try transfer(size: 10_000_000, faults: .init(lossPerMillion: 50_000, duplicatePerMillion: 50_000,
                                                     reorderPerMillion: 50_000, seed: 7))
    }

    @Test func corruptedFramesAreDroppedByChecksumAndRecovered() throws {
        try transfer(size: 1_000_000, faults: .init(corruptPerMillion: 20_000, seed: 3))
    }

    @Test func connectingToAClosedPortIsRefused() throws {
        let loop = RunLoop(platform: SimulatedPlatform())
        let link = MemoryLink(macA: Self.macA, macB: Self.macB)
        let a = DirectStack(link: link.a, loop: loop, configuration: Self.configuration(Self.addressA, seed: 1))
        let b = DirectStack(link: link.b, loop: loop, configuration: Self.configuration(Self.addressB, seed: 2))
        var outcome: NetError? = nil
        _ = try loop.run {
            await a.start()
            await b.start()
            do {
                _ = try await a.connect(to: IPv4Endpoint(address: Self.addressB, port: 81))
            } catch {
                outcome = error as? NetError
            }
            return 0
        }
        #expect(outcome == .connectionRefused)
        #expect(b.drops[.noConnection] == 1)
    }

    @Test func udpDatagramsBothWaysAndPortUnreachable() throws {
        let loop = RunLoop(platform: SimulatedPlatform())
        let link = MemoryLink(macA: Self.macA, macB: Self.macB)
        let a = DirectStack(link: link.a, loop: loop, configuration: Self.configuration(Self.addressA, seed: 1))
        let b = DirectStack(link: link.b, loop: loop, configuration: Self.configuration(Self.addressB, seed: 2))
        var echoed: [UInt8]? = nil
        _ = try loop.run {
            await a.start()
            await b.start()
            guard let server = try? await b.bindUDP(port: 53), let client = try? await a.bindUDP(port: 0) else { return 1 }
            try? await client.send(Array("question".utf8), to: IPv4Endpoint(address: Self.addressB, port: 53))
            guard let (question, source) = try? await server.receive() else { return 2 }
            try? await server.send(question.reversed(), to: source)
            echoed = try? await client.receive().bytes
            // Nobody listens on 54: the datagram is dropped and counted.
            try? await client.send([1, 2, 3], to: IPv4Endpoint(address: Self.addressB, port: 54))
            await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(10))
            return 0
        }
        #expect(echoed == Array("noitseuq".utf8))
        #expect(b.drops[.noSocket] == 1)
    }

    @Test(arguments: [true, false]) func aSYNFloodIsBoundedByTheHalfOpenLimit(cookies: Bool) throws {
        let loop = RunLoop(platform: SimulatedPlatform())
        let link = MemoryLink(macA: Self.macA, macB: Self.macB, capacity: 4096)
        var configuration = Self.configuration(Self.addressB, seed: 2)
        configuration.maximumHalfOpenConnections = 16
        configuration.synCookies = cookies
        let b = DirectStack(link: link.b, loop: loop, configuration: configuration)
        _ = try loop.run {
            await b.start()
            _ = try? await b.listen(port: 80, backlog: 1000)
            // A thousand SYNs from spoofed ports that never complete the handshake.
            for port in 0..<1000 {
                let syn = TCPHeader(sourcePort: UInt16(10_000 + port), destinationPort: 80, sequenceNumber: UInt32(port),
                                    acknowledgmentNumber: 0, flags: .syn, window: 1000)
                var frame: [UInt8] = []
                EthernetHeader(destination: Self.macB, source: Self.macA, etherType: .ipv4).emit(into: &frame)
                IPv4Header(source: Self.addressA, destination: Self.addressB, nextProtocol: .tcp,
                           payloadLength: TCPHeader.minimumLength).emit(into: &frame)
                syn.emit(payload: [], source: Self.addressA, destination: Self.addressB, into: &frame)
                b.handleFrame(frame[...])
            }
            return 0
        }
        #expect(b.connections.count == 16)
        #expect(b.drops[.synQueueFull] == (cookies ? 0 : 1000 - 16))
        #expect(b.synCookiesSent == (cookies ? 1000 - 16 : 0))
    }

    @Test func arbitraryFramesAreDroppedAndCountedNeverTrap() throws {
        let loop = RunLoop(platform: SimulatedPlatform())
        let link = MemoryLink(macA: Self.macA, macB: Self.macB, capacity: 100_000)
        let b = DirectStack(link: link.b, loop: loop, configuration: Self.configuration(Self.addressB, seed: 2))
        var random = SplitMix64(seed: 99)
        _ = try loop.run {
            await b.start()
            _ = try? await b.listen(port: 80, backlog: 10)
            // Valid headers up to a random point, then garbage: reaches every layer's parser.
            for round in 0..<20_000 {
                var frame: [UInt8] = []
                EthernetHeader(destination: Self.macB, source: Self.macA, etherType: round % 7 == 0 ? .arp : .ipv4).emit(into: &frame)
                IPv4Header(source: Self.addressA, destination: Self.addressB, nextProtocol: [.tcp, .udp, .icmp][round % 3],
                           payloadLength: Int(random.next() % 1500)).emit(into: &frame)
                let keep = Int(random.next() % UInt64(frame.count + 1))
                frame.removeLast(frame.count - keep)
                for _ in 0..<Int(random.next() % 100) { frame.append(UInt8(truncatingIfNeeded: random.next())) }
                if random.next() % 4 == 0, !frame.isEmpty {
                    let index = Int(random.next() % UInt64(frame.count))
                    frame[index] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
                b.handleFrame(frame[...])
            }
            return 0
        }
        #expect(b.drops.total > 10_000, "\(b.drops)")
    }
}
