import Testing
import SwiftletDevices
import SwiftletNet

@Suite struct WireIPv4Tests {
    /// A valid packet with the header `header` (checksum recomputed) and `payloadLength` bytes.
    static func packet(_ header: [UInt8], payloadLength: Int) -> [UInt8] {
        var bytes = header + (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0) }
        WireVectors.fillChecksum(&bytes, field: 10, range: 0..<header.count)
        return bytes
    }

    @Test func parsesThePublishedExampleHeader() throws {
        let bytes = WireVectors.publishedHeader + [UInt8](repeating: 0x42, count: 0x73 - 20)
        let (header, payload) = try IPv4Header.parse(bytes[...])
        #expect(header.typeOfService == 0)
        #expect(header.totalLength == 0x73)
        #expect(header.headerLength == 20)
        #expect(header.identification == 0)
        #expect(header.dontFragment && !header.moreFragments && header.fragmentOffset == 0 && !header.isFragment)
        #expect(header.timeToLive == 64)
        #expect(header.nextProtocol == .udp)
        #expect(header.source == IPv4Address(192, 168, 0, 1))
        #expect(header.destination == IPv4Address(192, 168, 0, 199))
        #expect(payload.count == 0x73 - 20)
        #expect(payload.startIndex == 20)
    }

    @Test func parsesACapturedPingAndExcludesEthernetPadding() throws {
        let padded = Array(WireVectors.ping[14...]) + [0, 0, 0, 0, 0, 0]
        let (header, payload) = try IPv4Header.parse(WireVectors.embedded(padded, offset: 14))
        #expect(header.identification == 0x8a3b)
        #expect(header.nextProtocol == .icmp)
        #expect(header.source == IPv4Address(192, 168, 1, 23))
        #expect(header.destination == IPv4Address(192, 168, 1, 1))
        #expect(payload.startIndex == 14 + 20)
        #expect(Array(payload) == Array(WireVectors.ping[34...]))
    }

    @Test func emitsTheCapturedHeaders() {
        var buffer: [UInt8] = [0xEE, 0xEE]
        IPv4Header(source: IPv4Address(192, 168, 1, 23), destination: IPv4Address(192, 168, 1, 1), nextProtocol: .icmp,
                   payloadLength: 64, identification: 0x8a3b).emit(into: &buffer)
        #expect(buffer == [0xEE, 0xEE] + WireVectors.ping[14..<34])

        var dns: [UInt8] = []
        IPv4Header(source: IPv4Address(10, 0, 2, 15), destination: IPv4Address(10, 0, 2, 3), nextProtocol: .udp,
                   payloadLength: 37, identification: 0x1234, dontFragment: false).emit(into: &dns)
        #expect(dns == Array(WireVectors.dnsQuery[0..<20]))
    }

    @Test func roundTripsEveryField() throws {
        var header = IPv4Header(source: IPv4Address(10, 1, 2, 3), destination: IPv4Address(172, 16, 0, 9), nextProtocol: IPProtocol(rawValue: 47),
                                payloadLength: 1480, identification: 0xBEEF, timeToLive: 3, dontFragment: false)
        header.typeOfService = 0xB8
        header.moreFragments = true
        header.fragmentOffset = 8191 * 8
        #expect(header.isFragment)
        var buffer: [UInt8] = []
        header.emit(into: &buffer)
        #expect(buffer.count == 20)
        #expect(WireVectors.referenceChecksum(buffer) == 0)
        buffer += [UInt8](repeating: 7, count: 1480)
        let (parsed, payload) = try IPv4Header.parse(buffer[...])
        #expect(parsed == header)
        #expect(payload.count == 1480)
    }

    @Test func skipsOptionsAndReemitsWithout() throws {
        // Router alert option (RFC 2113) plus 4 bytes of payload.
        let bytes = Self.packet([0x46, 0, 0, 28, 0, 1, 0, 0, 1, 2, 0, 0, 10, 0, 0, 1, 224, 0, 0, 22, 0x94, 0x04, 0, 0], payloadLength: 4)
        let (header, payload) = try IPv4Header.parse(bytes[...])
        #expect(header.headerLength == 24)
        #expect(header.totalLength == 28)
        #expect(header.nextProtocol == IPProtocol(rawValue: 2))
        #expect(Array(payload) == [0, 1, 2, 3])
        var emitted: [UInt8] = []
        header.emit(into: &emitted)
        emitted += payload
        let (again, _) = try IPv4Header.parse(emitted[...])
        #expect(again.headerLength == 20)
        #expect(again.totalLength == 24)
    }

    @Test func readsFragmentFields() throws {
        // Second fragment of a ping of 3000 bytes: MF set, offset 185 words (1480 bytes).
        let bytes = Self.packet([0x45, 0, 0x05, 0xDC, 0x12, 0x34, 0x20, 0xB9, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], payloadLength: 1480)
        let (header, _) = try IPv4Header.parse(bytes[...])
        #expect(header.moreFragments && !header.dontFragment)
        #expect(header.fragmentOffset == 1480)
        #expect(header.isFragment)
    }

    @Test func rejectsEachKindOfBadHeader() {
        let good = Array(WireVectors.ping[14...])
        func changed(_ index: Int, _ value: UInt8, fixChecksum: Bool = true) -> [UInt8] {
            var copy = good
            copy[index] = value
            let headerLength = Int(copy[0] & 0x0F) * 4
            if fixChecksum, headerLength >= 20, headerLength <= copy.count {
                WireVectors.fillChecksum(&copy, field: 10, range: 0..<headerLength)
            }
            return copy
        }
        #expect(throws: WireError.truncated) { try IPv4Header.parse(good[0..<19]) }
        #expect(throws: WireError.badVersion) { try IPv4Header.parse(changed(0, 0x65)[...]) }
        #expect(throws: WireError.badLength) { try IPv4Header.parse(changed(0, 0x44)[...]) }      // IHL 4
        #expect(throws: WireError.truncated) { try IPv4Header.parse(changed(0, 0x4F)[0..<40]) }   // IHL 15 > 40 bytes
        #expect(throws: WireError.badLength) { try IPv4Header.parse(changed(3, 19)[...]) }        // total < header
        #expect(throws: WireError.truncated) { try IPv4Header.parse(changed(3, 0x55)[...]) }      // total > bytes
        #expect(throws: WireError.truncated) { try IPv4Header.parse(good[0..<83]) }
        #expect(throws: WireError.badChecksum) { try IPv4Header.parse(changed(8, 63, fixChecksum: false)[...]) }
        #expect(throws: WireError.badChecksum) { try IPv4Header.parse(WireVectors.embedded(changed(11, 0x06, fixChecksum: false))) }
    }

    @Test func anEmptyPayloadIsValid() throws {
        let bytes = Self.packet([0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8], payloadLength: 0)
        let (_, payload) = try IPv4Header.parse(WireVectors.embedded(bytes))
        #expect(payload.isEmpty)
    }
}
