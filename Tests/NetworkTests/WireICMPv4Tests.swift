import Testing
import SwiftletDevices
import SwiftletNet

@Suite struct WireICMPv4Tests {
    static var pingMessage: [UInt8] { Array(WireVectors.ping[34...]) }

    @Test func parsesACapturedEchoRequest() throws {
        let (message, payload) = try ICMPv4Message.parse(WireVectors.ping[34...])
        #expect(message.type == ICMPv4Message.echoRequest)
        #expect(message.code == 0)
        #expect(message.identifier == 0x1c2f)
        #expect(message.sequenceNumber == 1)
        #expect(message.rest == 0x1c2f_0001)
        #expect(payload.startIndex == 42)
        #expect(Array(payload) == Array(WireVectors.ping[42...]))
    }

    @Test func emitsTheCapturedEchoRequest() {
        var buffer: [UInt8] = [1, 2, 3]
        ICMPv4Message(type: ICMPv4Message.echoRequest, code: 0, rest: 0x1c2f_0001).emit(payload: WireVectors.ping[42...], into: &buffer)
        #expect(buffer == [1, 2, 3] + Self.pingMessage)
    }

    @Test func anEchoReplyRoundTripsWithAnIndependentlyCorrectChecksum() throws {
        let (request, data) = try ICMPv4Message.parse(WireVectors.embedded(Self.pingMessage, offset: 5))
        var reply: [UInt8] = []
        ICMPv4Message(type: ICMPv4Message.echoReply, code: 0, rest: request.rest).emit(payload: data, into: &reply)
        #expect(WireVectors.referenceChecksum(reply) == 0)
        // Only the type changed, by 8 in the high byte of the first word: the checksum by 0x0800.
        #expect(reply[2] == 0x8e && reply[3] == 0xc4)
        let (parsed, payload) = try ICMPv4Message.parse(reply[...])
        #expect(parsed == ICMPv4Message(type: 0, code: 0, rest: 0x1c2f_0001))
        #expect(payload == data)
    }

    @Test func roundTripsAnOddLengthPayload() throws {
        var buffer: [UInt8] = []
        let unreachable = ICMPv4Message(type: ICMPv4Message.destinationUnreachable, code: 3)
        unreachable.emit(payload: [0x45, 0, 0, 1, 9][...], into: &buffer)
        #expect(WireVectors.referenceChecksum(buffer) == 0)
        let (parsed, payload) = try ICMPv4Message.parse(buffer[...])
        #expect(parsed == unreachable)
        #expect(Array(payload) == [0x45, 0, 0, 1, 9])
    }

    @Test func rejectsShortAndCorruptMessages() {
        var corrupt = Self.pingMessage
        corrupt[20] ^= 0x01
        #expect(throws: WireError.badChecksum) { try ICMPv4Message.parse(corrupt[...]) }
        #expect(throws: WireError.badChecksum) { try ICMPv4Message.parse(WireVectors.ping[34..<97]) }
        #expect(throws: WireError.truncated) { try ICMPv4Message.parse(WireVectors.ping[34..<41]) }
        #expect(throws: WireError.truncated) { try ICMPv4Message.parse([][...]) }
    }
}
