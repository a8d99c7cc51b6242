import Testing
import SwiftletDevices
import SwiftletRuntime
@testable import SwiftletNet

/// SYN cookies: the cookie itself, and a stack answering SYNs with them once its half-open
/// queue is full, on simulated time.
@Suite struct SYNCookieTests {
    static let server = IPv4Endpoint(address: IPv4Address(10, 0, 0, 2), port: 80)
    static let client = IPv4Endpoint(address: IPv4Address(10, 0, 0, 1), port: 40000)
    static let start = MonotonicInstant(nanoseconds: 1_000_000_000_000)

    @Test func aCookieChecksForItsOwnTupleWithinTwoTicks() {
        let cookies = SYNCookies(secret: (1, 2))
        let isn = cookies.make(local: Self.server, remote: Self.client, clientSequence: 5000, peerMSS: 1460, now: Self.start)
        let decoded = cookies.check(local: Self.server, remote: Self.client, sequence: 5001, acknowledgment: isn &+ 1,
                                    now: Self.start + .seconds(60))
        #expect(decoded == SYNCookies.Decoded(maximumSegmentSize: 1460))
        // Expired: two ticks later.
        #expect(cookies.check(local: Self.server, remote: Self.client, sequence: 5001, acknowledgment: isn &+ 1,
                              now: Self.start + .seconds(129)) == nil)
        // Another client port, another client ISN, another key, a flipped bit: all refused.
        let other = IPv4Endpoint(address: Self.client.address, port: 40001)
        #expect(cookies.check(local: Self.server, remote: other, sequence: 5001, acknowledgment: isn &+ 1, now: Self.start) == nil)
        #expect(cookies.check(local: Self.server, remote: Self.client, sequence: 6001, acknowledgment: isn &+ 1, now: Self.start) == nil)
        #expect(SYNCookies(secret: (1, 3)).check(local: Self.server, remote: Self.client, sequence: 5001,
                                                 acknowledgment: isn &+ 1, now: Self.start) == nil)
        #expect(cookies.check(local: Self.server, remote: Self.client, sequence: 5001, acknowledgment: (isn ^ 1) &+ 1,
                              now: Self.start) == nil)
    }

    @Test func theMSSIsRoundedDownToTheTable() {
        let cookies = SYNCookies(secret: (7, 8))
        for (asked, kept) in [(1460, 1460), (1459, 1440), (1400, 1300), (600, 536), (100, 536)] as [(UInt16, UInt16)] {
            let isn = cookies.make(local: Self.server, remote: Self.client, clientSequence: 1, peerMSS: asked, now: Self.start)
            #expect(cookies.check(local: Self.server, remote: Self.client, sequence: 2, acknowledgment: isn &+ 1,
                                  now: Self.start)?.maximumSegmentSize == kept)
        }
    }

    @Test func forgedACKsAlmostNeverPass() {
        let cookies = SYNCookies(secret: (11, 12))
        var random = SplitMix64(seed: 3)
        var passed = 0
        for _ in 0..<100_000 {
            let guess = UInt32(truncatingIfNeeded: random.next())
            if cookies.check(local: Self.server, remote: Self.client, sequence: 5001, acknowledgment: guess, now: Self.start) != nil {
                passed += 1
            }
        }
        // 24 bits of hash, 2 valid ticks of 32 and 4 of 8 MSS indexes: about 1 in 134 million.
        #expect(passed <= 1)
    }

    // MARK: A stack under a flood

    static let macServer = MACAddress(0x02, 0, 0, 0, 0, 0x0b)
    static let macClient = MACAddress(0x02, 0, 0, 0, 0, 0x0a)

    /// One frame from the client's address to the server.
    static func frame(_ header: TCPHeader, payload: [UInt8] = [], from source: IPv4Address = client.address) -> [UInt8] {
        var frame: [UInt8] = []
        EthernetHeader(destination: macServer, source: macClient, etherType: .ipv4).emit(into: &frame)
        IPv4Header(source: source, destination: server.address, nextProtocol: .tcp,
                   payloadLength: TCPHeader.minimumLength + header.options.encodedLength + payload.count).emit(into: &frame)
        header.emit(payload: payload[...], source: source, destination: server.address, into: &frame)
        return frame
    }

    static func arpRequest() -> [UInt8] {
        var frame: [UInt8] = []
        EthernetHeader(destination: .broadcast, source: macClient, etherType: .arp).emit(into: &frame)
        ARPPacket(operation: .request, senderMAC: macClient, senderIP: client.address,
                  targetMAC: MACAddress(0, 0, 0, 0, 0, 0), targetIP: server.address).emit(into: &frame)
        return frame
    }

    /// The TCP segments in the stack's outbox, taken out.
    static func takeSegments<L: NetworkInterface, P: Platform>(_ stack: DirectStack<L, P>) -> [TCPHeader] {
        var segments: [TCPHeader] = []
        for frame in stack.interface.outbox {
            guard let (ethernet, body) = try? EthernetHeader.parse(frame[...]), ethernet.etherType == .ipv4,
                  let (ip, payload) = try? IPv4Header.parse(body), ip.nextProtocol == .tcp,
                  let (tcp, _) = try? TCPHeader.parse(payload, source: ip.source, destination: ip.destination) else { continue }
            segments.append(tcp)
        }
        stack.interface.outbox.removeAll()
        return segments
    }

    static func syn(port: UInt16, sequence: UInt32) -> TCPHeader {
        TCPHeader(sourcePort: port, destinationPort: server.port, sequenceNumber: sequence, acknowledgmentNumber: 0, flags: .syn,
                  window: 64240, options: TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true,
                                                     timestamps: TCPTimestamps(value: 1, echoReply: 0)))
    }

    static func ack(port: UInt16, sequence: UInt32, acknowledgment: UInt32) -> TCPHeader {
        TCPHeader(sourcePort: port, destinationPort: server.port, sequenceNumber: sequence, acknowledgmentNumber: acknowledgment,
                  flags: .ack, window: 502)
    }

    /// A server whose half-open queue holds `limit`, with the client's ARP entry in place.
    static func makeServer(limit: Int) -> (RunLoop<SimulatedPlatform>, DirectStack<MemoryLink.Endpoint, SimulatedPlatform>) {
        let loop = RunLoop(platform: SimulatedPlatform())
        let link = MemoryLink(macA: macClient, macB: macServer, capacity: 4096)
        var configuration = DirectStackConfiguration(
            addressing: .fixed(IPv4Settings(address: IPv4Prefix(address: server.address, length: 24)!)), seed: 5)
        configuration.maximumHalfOpenConnections = limit
        return (loop, DirectStack(link: link.b, loop: loop, configuration: configuration))
    }

    @Test func testListenSYNWithAFullQueueGetsACookieAndItsACKEstablishes() throws {
        let (loop, stack) = Self.makeServer(limit: 16)
        var accepted: IPv4Endpoint?
        var options: TCPOptions?
        _ = try loop.run {
            await stack.start()
            guard let listener = try? await stack.listen(port: 80, backlog: 100) else { return 1 }
            stack.handleFrame(Self.arpRequest()[...])
            for port in 0..<1000 { stack.handleFrame(Self.frame(Self.syn(port: UInt16(10_000 + port), sequence: 7))[...]) }
            _ = Self.takeSegments(stack)
            // The queue is full of handshakes that never end: a legitimate client gets a cookie.
            stack.handleFrame(Self.frame(Self.syn(port: 40000, sequence: 5000))[...])
            guard let synACK = Self.takeSegments(stack).first, synACK.flags == [.syn, .ack] else { return 2 }
            options = synACK.options
            stack.handleFrame(Self.frame(Self.ack(port: 40000, sequence: 5001, acknowledgment: synACK.sequenceNumber &+ 1),
                                         payload: Array("GET /".utf8))[...])
            guard let connection = try? await listener.accept() else { return 3 }
            accepted = connection.remoteEndpoint
            #expect(connection.state == .established)
            #expect(try! await connection.read(maxLength: 100) == Array("GET /".utf8))
            return 0
        }
        #expect(accepted == Self.client)
        #expect(stack.connections.count == 17)
        #expect(stack.synCookiesSent == 1000 - 16 + 1)
        #expect(stack.synCookiesAccepted == 1)
        #expect(stack.drops[.synQueueFull] == 0)
        // Only the MSS survives in a cookie SYN-ACK.
        #expect(options?.maximumSegmentSize != nil)
        #expect(options?.windowScale == nil && options?.timestamps == nil && options?.sackPermitted == false)
    }

    @Test func testListenForgedOrExpiredCookieACKIsResetAndCounted() throws {
        let (loop, stack) = Self.makeServer(limit: 0)
        var resets: [TCPHeader] = []
        _ = try loop.run {
            await stack.start()
            _ = try? await stack.listen(port: 80, backlog: 100)
            stack.handleFrame(Self.arpRequest()[...])
            stack.handleFrame(Self.frame(Self.syn(port: 40000, sequence: 5000))[...])
            guard let synACK = Self.takeSegments(stack).first else { return 1 }
            // Forged: the wrong acknowledgement number.
            stack.handleFrame(Self.frame(Self.ack(port: 40000, sequence: 5001, acknowledgment: synACK.sequenceNumber &+ 2))[...])
            resets += Self.takeSegments(stack)
            // Expired: the right one, 130 s later.
            await loop.sleep(until: loop.platform.monotonicNow() + .seconds(130))
            stack.handleFrame(Self.arpRequest()[...])  // the client's ARP entry expired meanwhile
            stack.handleFrame(Self.frame(Self.syn(port: 40001, sequence: 9))[...])  // keeps cookies in use
            _ = Self.takeSegments(stack)
            stack.handleFrame(Self.frame(Self.ack(port: 40000, sequence: 5001, acknowledgment: synACK.sequenceNumber &+ 1))[...])
            resets += Self.takeSegments(stack)
            return 0
        }
        #expect(stack.drops[.badSYNCookie] == 2)
        #expect(stack.synCookiesAccepted == 0)
        #expect(stack.connections.isEmpty)
        #expect(resets.count == 2 && resets.allSatisfy { $0.flags.contains(.rst) })
    }

    @Test func testListenWithoutCookiesInUseAnACKIsJustReset() throws {
        let (loop, stack) = Self.makeServer(limit: 16)
        _ = try loop.run {
            await stack.start()
            _ = try? await stack.listen(port: 80, backlog: 100)
            stack.handleFrame(Self.arpRequest()[...])
            stack.handleFrame(Self.frame(Self.ack(port: 40000, sequence: 5001, acknowledgment: 77))[...])
            return 0
        }
        #expect(stack.drops[.noConnection] == 1)
        #expect(stack.drops[.badSYNCookie] == 0)
    }

    @Test func testListenSYNWithAFullAcceptQueueIsDropped() throws {
        let (loop, stack) = Self.makeServer(limit: 0)
        _ = try loop.run {
            await stack.start()
            _ = try? await stack.listen(port: 80, backlog: 2)
            stack.handleFrame(Self.arpRequest()[...])
            for port: UInt16 in 1...3 { stack.handleFrame(Self.frame(Self.syn(port: port, sequence: 100))[...]) }
            let synACKs = Self.takeSegments(stack)
            guard synACKs.count == 3 else { return 1 }
            for synACK in synACKs {
                stack.handleFrame(Self.frame(Self.ack(port: synACK.destinationPort, sequence: 101,
                                                      acknowledgment: synACK.sequenceNumber &+ 1))[...])
            }
            // Two wait in the queue; the third's ACK was dropped, and so is a new SYN.
            stack.handleFrame(Self.frame(Self.syn(port: 4, sequence: 100))[...])
            return 0
        }
        #expect(stack.synCookiesAccepted == 2)
        #expect(stack.drops[.acceptQueueFull] == 2)
    }
}
