import Testing
import SwiftletDevices
import SwiftletNet

@Suite struct WireEthernetTests {
    @Test func parsesTheHeaderOfACapturedFrame() throws {
        let frame = WireVectors.ping
        let (header, payload) = try EthernetHeader.parse(frame[...])
        #expect(header.destination == WireVectors.routerMAC)
        #expect(header.source == WireVectors.linuxMAC)
        #expect(header.etherType == .ipv4)
        #expect(payload.startIndex == 14)
        #expect(Array(payload) == Array(frame[14...]))
    }

    @Test func emitsTheSameBytes() {
        var buffer: [UInt8] = [0xEE]
        EthernetHeader(destination: WireVectors.routerMAC, source: WireVectors.linuxMAC, etherType: .ipv4).emit(into: &buffer)
        #expect(buffer == [0xEE] + WireVectors.ping[0..<14])
    }

    @Test func roundTripsAnyEtherType() throws {
        let header = EthernetHeader(destination: .broadcast, source: WireVectors.linuxMAC, etherType: EtherType(rawValue: 0x86DD))
        var buffer: [UInt8] = []
        header.emit(into: &buffer)
        buffer += [1, 2, 3]
        let (parsed, payload) = try EthernetHeader.parse(buffer[...])
        #expect(parsed == header)
        #expect(Array(payload) == [1, 2, 3])
    }

    @Test func parsesFromASliceThatDoesNotStartAtZero() throws {
        let slice = WireVectors.embedded(WireVectors.arpRequest, offset: 9)
        let (header, payload) = try EthernetHeader.parse(slice)
        #expect(header.destination == .broadcast)
        #expect(header.etherType == .arp)
        #expect(payload.startIndex == 9 + 14)
        #expect(payload.endIndex == slice.endIndex)
    }

    @Test func rejectsAShortFrame() throws {
        #expect(throws: WireError.truncated) { try EthernetHeader.parse(WireVectors.ping[0..<13]) }
        #expect(throws: WireError.truncated) { try EthernetHeader.parse([][...]) }
        let (_, payload) = try EthernetHeader.parse(WireVectors.ping[0..<14])
        #expect(payload.isEmpty)
    }
}

@Suite struct WireARPTests {
    static let request = ARPPacket(
        operation: .request, senderMAC: WireVectors.linuxMAC, senderIP: IPv4Address(192, 168, 1, 23),
        targetMAC: MACAddress(0, 0, 0, 0, 0, 0), targetIP: IPv4Address(192, 168, 1, 1))

    @Test func parsesACapturedRequestIgnoringPadding() throws {
        let packet = try ARPPacket.parse(WireVectors.arpRequest[14...])
        #expect(packet == Self.request)
    }

    @Test func emitsTheSameBytes() {
        var buffer: [UInt8] = []
        Self.request.emit(into: &buffer)
        #expect(buffer.count == ARPPacket.length)
        #expect(buffer == Array(WireVectors.arpRequest[14..<42]))
    }

    @Test func roundTripsAReply() throws {
        let reply = ARPPacket(operation: .reply, senderMAC: WireVectors.routerMAC, senderIP: IPv4Address(192, 168, 1, 1),
                              targetMAC: WireVectors.linuxMAC, targetIP: IPv4Address(192, 168, 1, 23))
        var buffer: [UInt8] = []
        reply.emit(into: &buffer)
        #expect(Array(buffer[6..<8]) == [0, 2])
        #expect(try ARPPacket.parse(WireVectors.embedded(buffer)) == reply)
    }

    @Test func parsesFromASliceThatDoesNotStartAtZero() throws {
        #expect(try ARPPacket.parse(WireVectors.embedded(Array(WireVectors.arpRequest[14...]), offset: 3)) == Self.request)
    }

    @Test func rejectsShortAndForeignPackets() {
        let packet = Array(WireVectors.arpRequest[14..<42])
        #expect(throws: WireError.truncated) { try ARPPacket.parse(packet[0..<27]) }
        func changed(_ index: Int, _ value: UInt8) -> ArraySlice<UInt8> {
            var copy = packet
            copy[index] = value
            return copy[...]
        }
        #expect(throws: WireError.unsupported) { try ARPPacket.parse(changed(1, 6)) }      // hardware type 6 (IEEE 802)
        #expect(throws: WireError.unsupported) { try ARPPacket.parse(changed(2, 0x86)) }   // protocol 0x8600
        #expect(throws: WireError.unsupported) { try ARPPacket.parse(changed(4, 8)) }      // 8-byte hardware addresses
        #expect(throws: WireError.unsupported) { try ARPPacket.parse(changed(5, 16)) }     // 16-byte protocol addresses
        #expect(throws: WireError.unsupported) { try ARPPacket.parse(changed(7, 3)) }      // RARP request
        #expect(throws: WireError.unsupported) { try ARPPacket.parse(changed(6, 1)) }      // operation 0x0101
    }
}
