import Testing
import SwiftletDevices
import SwiftletNet

@Suite struct WireTCPTests {
    static let client = IPv4Address(10, 0, 2, 15)
    static let server = IPv4Address(93, 184, 216, 34)
    static var syn: [UInt8] { Array(WireVectors.tcpSYN[20...]) }
    static let linuxSYNOptions = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true,
                                            timestamps: TCPTimestamps(value: 0x9a3c1f02, echoReply: 0))

    /// A segment from client to server with the raw `options` bytes and a correct checksum.
    static func segment(options: [UInt8], payload: [UInt8] = [], flags: UInt8 = 0x10) -> [UInt8] {
        precondition(options.count % 4 == 0)
        var bytes: [UInt8] = [0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 2,
                              UInt8((20 + options.count) / 4) << 4, flags, 0x01, 0x00, 0, 0, 0, 0]
        bytes += options + payload
        WireVectors.fillChecksum(&bytes, field: 16, range: 0..<bytes.count,
                                 prefix: WireVectors.pseudoHeader(client, server, protocol: 6, length: bytes.count))
        return bytes
    }

    static func parse(_ bytes: [UInt8]) throws(WireError) -> (header: TCPHeader, payload: ArraySlice<UInt8>) {
        try TCPHeader.parse(WireVectors.embedded(bytes), source: client, destination: server)
    }

    @Test func parsesACapturedLinuxSYN() throws {
        let (header, payload) = try TCPHeader.parse(WireVectors.tcpSYN[20...], source: Self.client, destination: Self.server)
        #expect(header.sourcePort == 51234)
        #expect(header.destinationPort == 80)
        #expect(header.sequenceNumber == 0x5e2b7a91)
        #expect(header.acknowledgmentNumber == 0)
        #expect(header.flags == .syn)
        #expect(header.window == 64240)
        #expect(header.urgentPointer == 0)
        #expect(header.options == Self.linuxSYNOptions)
        #expect(payload.isEmpty)
        #expect(payload.startIndex == 60)
    }

    @Test func emitsTheCapturedLinuxSYN() {
        let header = TCPHeader(sourcePort: 51234, destinationPort: 80, sequenceNumber: 0x5e2b7a91, acknowledgmentNumber: 0,
                               flags: .syn, window: 64240, options: Self.linuxSYNOptions)
        #expect(Self.linuxSYNOptions.encodedLength == 20)
        var buffer: [UInt8] = [0xEE]
        header.emit(payload: [][...], source: Self.client, destination: Self.server, into: &buffer)
        #expect(buffer == [0xEE] + Self.syn)
    }

    @Test func roundTripsDataAndEveryField() throws {
        let header = TCPHeader(sourcePort: 443, destinationPort: 60000, sequenceNumber: 0xFFFF_FFF0, acknowledgmentNumber: 0x8000_0001,
                               flags: [.ack, .psh, .fin, .urg, .ece, .cwr], window: 0xFFFF, urgentPointer: 3,
                               options: TCPOptions(timestamps: TCPTimestamps(value: 1, echoReply: 0xFFFF_FFFF)))
        let data: [UInt8] = Array("GET / HTTP/1.1\r\n\r\nx".utf8)
        var buffer: [UInt8] = []
        header.emit(payload: data[...], source: Self.client, destination: Self.server, into: &buffer)
        #expect(buffer.count == 32 + data.count)
        #expect(WireVectors.referenceChecksum(WireVectors.pseudoHeader(Self.client, Self.server, protocol: 6, length: buffer.count) + buffer) == 0)
        let (parsed, payload) = try Self.parse(buffer)
        #expect(parsed == header)
        #expect(Array(payload) == data)
    }

    @Test func emitsOptionsAlignedTheWayLinuxDoes() {
        func encoded(_ options: TCPOptions) -> [UInt8] {
            var buffer: [UInt8] = []
            TCPHeader(sourcePort: 1, destinationPort: 2, sequenceNumber: 0, acknowledgmentNumber: 0, flags: .ack, window: 0, options: options)
                .emit(payload: [][...], source: .any, destination: .any, into: &buffer)
            #expect(buffer.count == 20 + options.encodedLength)
            #expect(Int(buffer[12] >> 4) * 4 == buffer.count)
            return Array(buffer[20...])
        }
        #expect(TCPOptions().encodedLength == 0)
        #expect(encoded(TCPOptions(timestamps: TCPTimestamps(value: 0x01020304, echoReply: 0x05060708)))
            == [1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(encoded(TCPOptions(maximumSegmentSize: 536, sackPermitted: true)) == [2, 4, 2, 0x18, 1, 1, 4, 2])
        #expect(encoded(TCPOptions(windowScale: 14)) == [1, 3, 3, 14])
        #expect(encoded(TCPOptions(sackBlocks: [SACKBlock(left: 0x10, right: 0x20)]))
            == [1, 1, 5, 10, 0, 0, 0, 0x10, 0, 0, 0, 0x20])
    }

    @Test func emitsOnlyTheSACKBlocksThatFit() throws {
        let blocks = (0..<6).map { SACKBlock(left: UInt32($0) * 100, right: UInt32($0) * 100 + 50) }
        let cases: [(TCPOptions, Int, Int)] = [
            (TCPOptions(sackBlocks: blocks), 4, 36),
            (TCPOptions(sackBlocks: blocks, timestamps: TCPTimestamps(value: 1, echoReply: 2)), 3, 40),
            (TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true, sackBlocks: blocks,
                        timestamps: TCPTimestamps(value: 1, echoReply: 2)), 2, 40),
            (TCPOptions(sackBlocks: Array(blocks.prefix(2))), 2, 20),
        ]
        for (options, count, length) in cases {
            #expect(options.encodedLength == length)
            var buffer: [UInt8] = []
            TCPHeader(sourcePort: 1, destinationPort: 2, sequenceNumber: 3, acknowledgmentNumber: 4, flags: .ack, window: 5, options: options)
                .emit(payload: [][...], source: Self.client, destination: Self.server, into: &buffer)
            let (parsed, _) = try Self.parse(buffer)
            #expect(parsed.options.sackBlocks == Array(blocks.prefix(count)))
            var expected = options
            expected.sackBlocks = Array(blocks.prefix(count))
            #expect(parsed.options == expected)
        }
    }

    @Test func parsesOptionsTheWayRFC9293Says() throws {
        // NOPs skipped, an unknown kind (30, MPTCP) skipped by its length, EOL ends the list
        // even with garbage after it.
        let options: [UInt8] = [1, 30, 4, 0xAB, 0xCD, 2, 4, 0x05, 0x78, 0, 2, 3]
        let (header, _) = try Self.parse(Self.segment(options: options))
        #expect(header.options == TCPOptions(maximumSegmentSize: 1400))

        let clamped = try Self.parse(Self.segment(options: [3, 3, 20, 0])).header.options
        #expect(clamped.windowScale == 14)

        let sack = try Self.parse(Self.segment(options: [1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0x10])).header.options
        #expect(sack.sackBlocks == [SACKBlock(left: 1, right: 2), SACKBlock(left: 0xFFFF_FFFF, right: 0x10)])

        let four = try Self.parse(Self.segment(options: [1, 1, 5, 34] + [UInt8](repeating: 9, count: 32))).header.options
        #expect(four.sackBlocks.count == 4)
    }

    @Test func rejectsMalformedOptions() {
        let malformed: [[UInt8]] = [
            [2, 3, 5, 0],                    // MSS with length 3
            [2, 5, 5, 0xb4, 0, 0, 0, 0],     // MSS with length 5
            [3, 4, 7, 0],                    // window scale with length 4
            [4, 3, 0, 0],                    // SACK permitted with length 3
            [5, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  // SACK with a partial block
            [5, 2, 0, 0],                    // SACK with no block
            [8, 8, 0, 0, 0, 0, 0, 0],        // timestamps with length 8
            [1, 1, 30, 1],                   // unknown kind with length 1
            [1, 1, 30, 0],                   // unknown kind with length 0
            [1, 1, 1, 30],                   // no room for the length byte
            [1, 1, 30, 6],                   // unknown option running past the header
            [1, 1, 8, 10, 0, 0, 0, 0],       // timestamps running past the header
        ]
        for options in malformed {
            #expect(throws: WireError.badOptions, "\(options)") { try Self.parse(Self.segment(options: options)) }
        }
    }

    @Test func rejectsEachKindOfBadSegment() {
        let good = Self.syn
        #expect(throws: WireError.truncated) { try Self.parse(Array(good[0..<19])) }
        #expect(throws: WireError.truncated) { try Self.parse(Array(good[0..<39])) }   // data offset 10 words
        var lowOffset = Self.segment(options: [])
        lowOffset[12] = 0x40
        #expect(throws: WireError.badLength) { try Self.parse(lowOffset) }
        var highOffset = Self.segment(options: [])
        highOffset[12] = 0x60
        WireVectors.fillChecksum(&highOffset, field: 16, range: 0..<20,
                                 prefix: WireVectors.pseudoHeader(Self.client, Self.server, protocol: 6, length: 20))
        #expect(throws: WireError.truncated) { try Self.parse(highOffset) }
        #expect(throws: WireError.badChecksum) {
            try TCPHeader.parse(good[...], source: Self.client, destination: IPv4Address(93, 184, 216, 35))
        }
        var corrupt = good
        corrupt[30] ^= 0x80
        #expect(throws: WireError.badChecksum) { try Self.parse(corrupt) }
        // The checksum covers the whole segment, payload included.
        #expect(throws: WireError.badChecksum) { try Self.parse(good + [0]) }
    }

    @Test func payloadIsTheRestOfTheSegment() throws {
        let bytes = Self.segment(options: [1, 1, 1, 1], payload: [7, 8, 9])
        let slice = WireVectors.embedded(bytes, offset: 100)
        let (_, payload) = try TCPHeader.parse(slice, source: Self.client, destination: Self.server)
        #expect(payload.startIndex == 124)
        #expect(payload.endIndex == slice.endIndex)
        #expect(Array(payload) == [7, 8, 9])
    }
}
