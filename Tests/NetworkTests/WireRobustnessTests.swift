import Testing
import SwiftletDevices
import SwiftletNet

/// Thousands of random and mutated packets through every parser: none may trap, payloads must
/// lie inside the input, and whatever parses must survive emit-then-parse.
@Suite struct WireRobustnessTests {
    static let source = IPv4Address(10, 0, 2, 15)
    static let destination = IPv4Address(93, 184, 216, 34)

    /// Valid inputs to mutate, one per parser family.
    static let seeds: [[UInt8]] = [
        WireVectors.ping, WireVectors.arpRequest, Array(WireVectors.ping[34...]),
        WireVectors.tcpSYN, Array(WireVectors.tcpSYN[20...]),
        WireVectors.dnsQuery, Array(WireVectors.dnsQuery[20...]),
        WireTCPTests.segment(options: [1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 1, 3, 3, 9]),
    ]

    static func mutate(_ seed: [UInt8], using random: inout WireTestRandom) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<6, using: &random) {
            case 0, 1:
                if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            case 2:
                if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= 1 << UInt8.random(in: 0..<8, using: &random) }
            case 3:
                bytes.removeLast(Int.random(in: 0...min(bytes.count, 8), using: &random))
            case 4:
                bytes += (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            default:
                // Interesting lengths and offsets: 0, 0xFF, small nibbles.
                if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] = [0, 0xFF, 0x45, 0x4F, 0xF0, 1, 2][Int.random(in: 0..<7, using: &random)] }
            }
        }
        return bytes
    }

    /// Runs `bytes` through every parser at `offset` in a larger array, and checks what parses.
    static func check(_ bytes: [UInt8], offset: Int) {
        let slice = WireVectors.embedded(bytes, offset: offset)
        func inside(_ payload: ArraySlice<UInt8>) -> Bool {
            payload.startIndex >= slice.startIndex && payload.endIndex <= slice.endIndex && payload.startIndex <= payload.endIndex
        }

        if let (header, payload) = try? EthernetHeader.parse(slice) {
            #expect(inside(payload))
            var buffer: [UInt8] = []
            header.emit(into: &buffer)
            #expect((try? EthernetHeader.parse(buffer[...]))?.header == header)
        }
        if let packet = try? ARPPacket.parse(slice) {
            var buffer: [UInt8] = []
            packet.emit(into: &buffer)
            #expect((try? ARPPacket.parse(buffer[...])) == packet)
        }
        if let (header, payload) = try? IPv4Header.parse(slice) {
            #expect(inside(payload))
            #expect(payload.count == header.totalLength - header.headerLength)
            var buffer: [UInt8] = []
            header.emit(into: &buffer)
            buffer += payload
            var expected = header
            expected.headerLength = 20
            expected.totalLength = 20 + payload.count
            #expect((try? IPv4Header.parse(buffer[...]))?.header == expected)
        }
        if let (message, payload) = try? ICMPv4Message.parse(slice) {
            #expect(inside(payload))
            var buffer: [UInt8] = []
            message.emit(payload: payload, into: &buffer)
            // Not byte for byte: a checksum of 0xFFFF and one of 0 can both be right.
            let again = try? ICMPv4Message.parse(buffer[...])
            #expect(again?.message == message)
            #expect(again?.payload == payload)
        }
        if let (header, payload) = try? UDPHeader.parse(slice, source: source, destination: destination) {
            #expect(inside(payload))
            var buffer: [UInt8] = []
            header.emit(payload: payload, source: source, destination: destination, into: &buffer)
            #expect((try? UDPHeader.parse(buffer[...], source: source, destination: destination))?.header == header)
        }
        if let (header, payload) = try? TCPHeader.parse(slice, source: source, destination: destination) {
            #expect(inside(payload))
            #expect(header.options.sackBlocks.count <= 4)
            #expect(header.options.windowScale ?? 0 <= 14)
            var buffer: [UInt8] = []
            header.emit(payload: payload, source: source, destination: destination, into: &buffer)
            if let (again, data) = try? TCPHeader.parse(buffer[...], source: source, destination: destination) {
                var expected = header
                expected.options.sackBlocks = Array(header.options.sackBlocks.prefix(again.options.sackBlocks.count))
                #expect(again == expected)
                #expect(data == payload)
            } else {
                Issue.record("a re-emitted segment does not parse: \(bytes)")
            }
        }
    }

    /// Checks `bytes`, then the same bytes with each format's checksum made right, so that the
    /// code past the checksum checks is reached.
    static func exercise(_ bytes: [UInt8], offset: Int) {
        check(bytes, offset: offset)
        var fixed = bytes
        if fixed.count >= 20 {
            let headerLength = Int(fixed[0] & 0x0F) * 4
            if headerLength >= 20, headerLength <= fixed.count {
                WireVectors.fillChecksum(&fixed, field: 10, range: 0..<headerLength)
                check(fixed, offset: offset)
            }
            fixed = bytes
            WireVectors.fillChecksum(&fixed, field: 16, range: 0..<fixed.count,
                                     prefix: WireVectors.pseudoHeader(source, destination, protocol: 6, length: fixed.count))
            check(fixed, offset: offset)
        }
        if bytes.count >= 8 {
            fixed = bytes
            WireVectors.fillChecksum(&fixed, field: 2, range: 0..<fixed.count)
            check(fixed, offset: offset)
            let length = Int(bytes[4]) << 8 | Int(bytes[5])
            if length >= 8, length <= bytes.count {
                fixed = bytes
                WireVectors.fillChecksum(&fixed, field: 6, range: 0..<length,
                                         prefix: WireVectors.pseudoHeader(source, destination, protocol: 17, length: length))
                check(fixed, offset: offset)
            }
        }
    }

    @Test func randomBytesNeverTrap() {
        var random = WireTestRandom(seed: 0x5717_F7E7)
        for _ in 0..<4000 {
            let count = Int.random(in: 0..<120, using: &random)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            Self.exercise(bytes, offset: Int.random(in: 0..<64, using: &random))
        }
    }

    @Test func mutatedValidPacketsNeverTrap() {
        var random = WireTestRandom(seed: 0xC0FF_EE00)
        for round in 0..<4000 {
            let seed = Self.seeds[round % Self.seeds.count]
            Self.exercise(Self.mutate(seed, using: &random), offset: Int.random(in: 0..<64, using: &random))
        }
    }

    @Test func everyPrefixOfEveryVectorIsHandled() {
        for seed in Self.seeds {
            for end in 0...seed.count {
                Self.exercise(Array(seed[0..<end]), offset: 1)
            }
        }
    }
}
