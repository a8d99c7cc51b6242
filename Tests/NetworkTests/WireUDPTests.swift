import Testing
import SwiftletDevices
import SwiftletNet

@Suite struct WireUDPTests {
    static let client = IPv4Address(10, 0, 2, 15)
    static let resolver = IPv4Address(10, 0, 2, 3)
    static var datagram: [UInt8] { Array(WireVectors.dnsQuery[20...]) }
    static var query: [UInt8] { Array(WireVectors.dnsQuery[28...]) }

    @Test func parsesACapturedDNSQuery() throws {
        let (header, payload) = try UDPHeader.parse(WireVectors.dnsQuery[20...], source: Self.client, destination: Self.resolver)
        #expect(header == UDPHeader(sourcePort: 40000, destinationPort: 53))
        #expect(payload.startIndex == 28)
        #expect(Array(payload) == Self.query)
    }

    @Test func emitsTheCapturedDNSQuery() {
        var buffer: [UInt8] = [9]
        UDPHeader(sourcePort: 40000, destinationPort: 53).emit(payload: Self.query[...], source: Self.client, destination: Self.resolver, into: &buffer)
        #expect(buffer == [9] + Self.datagram)
    }

    @Test func parsesFromASliceThatDoesNotStartAtZero() throws {
        let (header, payload) = try UDPHeader.parse(WireVectors.embedded(Self.datagram, offset: 33), source: Self.client, destination: Self.resolver)
        #expect(header.destinationPort == 53)
        #expect(payload.startIndex == 41)
        #expect(Array(payload) == Self.query)
    }

    @Test func acceptsAZeroChecksum() throws {
        var bytes = Self.datagram
        bytes[6] = 0
        bytes[7] = 0
        let (_, payload) = try UDPHeader.parse(bytes[...], source: IPv4Address(1, 1, 1, 1), destination: IPv4Address(2, 2, 2, 2))
        #expect(Array(payload) == Self.query)
    }

    @Test func sendsAComputedZeroAsAllOnes() throws {
        let header = UDPHeader(sourcePort: 68, destinationPort: 67)
        var probe: [UInt8] = []
        header.emit(payload: [0, 0][...], source: .any, destination: .broadcast, into: &probe)
        // A payload word equal to that checksum brings the sum to 0xFFFF: a checksum of 0.
        let payload: [UInt8] = [probe[6], probe[7]]
        var buffer: [UInt8] = []
        header.emit(payload: payload[...], source: .any, destination: .broadcast, into: &buffer)
        #expect(buffer[6] == 0xFF && buffer[7] == 0xFF)
        #expect(WireVectors.referenceChecksum(WireVectors.pseudoHeader(.any, .broadcast, protocol: 17, length: 10) + buffer) == 0)
        let (parsed, data) = try UDPHeader.parse(buffer[...], source: .any, destination: .broadcast)
        #expect(parsed == header)
        #expect(Array(data) == payload)
    }

    @Test func limitsThePayloadToTheLengthField() throws {
        let (_, payload) = try UDPHeader.parse((Self.datagram + [0xAA, 0xBB])[...], source: Self.client, destination: Self.resolver)
        #expect(Array(payload) == Self.query)
    }

    @Test func roundTripsAnOddLengthPayload() throws {
        let header = UDPHeader(sourcePort: 5353, destinationPort: 5353)
        var buffer: [UInt8] = []
        header.emit(payload: [1, 2, 3, 4, 5][...], source: Self.client, destination: IPv4Address(224, 0, 0, 251), into: &buffer)
        #expect(buffer.count == 13 && buffer[5] == 13)
        let (parsed, payload) = try UDPHeader.parse(WireVectors.embedded(buffer), source: Self.client, destination: IPv4Address(224, 0, 0, 251))
        #expect(parsed == header)
        #expect(Array(payload) == [1, 2, 3, 4, 5])
    }

    @Test func rejectsEachKindOfBadDatagram() {
        let good = Self.datagram
        #expect(throws: WireError.truncated) { try UDPHeader.parse(good[0..<7], source: Self.client, destination: Self.resolver) }
        #expect(throws: WireError.truncated) { try UDPHeader.parse(good[0..<36], source: Self.client, destination: Self.resolver) }
        var short = good
        short[5] = 7
        #expect(throws: WireError.badLength) { try UDPHeader.parse(short[...], source: Self.client, destination: Self.resolver) }
        #expect(throws: WireError.badChecksum) { try UDPHeader.parse(good[...], source: Self.client, destination: IPv4Address(10, 0, 2, 4)) }
        var corrupt = good
        corrupt[20] ^= 0x20
        #expect(throws: WireError.badChecksum) { try UDPHeader.parse(corrupt[...], source: Self.client, destination: Self.resolver) }
    }
}
