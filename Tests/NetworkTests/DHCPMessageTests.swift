import Testing
import SwiftletDevices
import SwiftletNet

@Suite struct DHCPMessageTests {
    static let mac = MACAddress(0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42)
    static let macBytes: [UInt8] = [0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42]

    /// The fixed BOOTP part, written out field by field from RFC 2131 figure 1.
    static func header(op: UInt8, xid: [UInt8], secs: [UInt8] = [0, 0], flags: [UInt8], ciaddr: [UInt8] = [0, 0, 0, 0],
                       yiaddr: [UInt8] = [0, 0, 0, 0], siaddr: [UInt8] = [0, 0, 0, 0], giaddr: [UInt8] = [0, 0, 0, 0]) -> [UInt8] {
        var bytes: [UInt8] = [op, 1, 6, 0]                       // op, htype, hlen, hops
        bytes += xid + secs + flags + ciaddr + yiaddr + siaddr + giaddr
        bytes += macBytes + [UInt8](repeating: 0, count: 10)       // chaddr: 16 bytes
        bytes += [UInt8](repeating: 0, count: 64)                  // sname
        bytes += [UInt8](repeating: 0, count: 128)                 // file
        bytes += [99, 130, 83, 99]                                 // magic cookie
        return bytes
    }

    static func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: max(0, 300 - bytes.count))
    }

    static var discoverBytes: [UInt8] {
        var bytes = header(op: 1, xid: [0x39, 0x03, 0xf3, 0x26], flags: [0x80, 0x00])
        bytes += [53, 1, 1]                                        // DHCPDISCOVER
        bytes += [61, 7, 1] + macBytes                             // client identifier
        bytes += [55, 6, 1, 3, 6, 51, 58, 59]                      // parameter request list
        bytes += [255]
        return padded(bytes)
    }

    static var discover: DHCPMessage {
        var message = DHCPMessage(operation: .request, transactionID: 0x3903_f326, clientHardwareAddress: mac, messageType: .discover)
        message.broadcast = true
        message.clientIdentifier = [1] + macBytes
        message.parameterRequestList = [1, 3, 6, 51, 58, 59]
        return message
    }

    static var ackBytes: [UInt8] {
        var bytes = header(op: 2, xid: [0x39, 0x03, 0xf3, 0x26], secs: [0, 3], flags: [0, 0],
                           yiaddr: [192, 168, 1, 100], siaddr: [192, 168, 1, 1])
        bytes += [53, 1, 5]                                        // DHCPACK
        bytes += [54, 4, 192, 168, 1, 1]                           // server identifier
        bytes += [51, 4, 0x00, 0x01, 0x51, 0x80]                   // lease: 86400 s
        bytes += [1, 4, 255, 255, 255, 0]                          // subnet mask
        bytes += [3, 4, 192, 168, 1, 1]                            // router
        bytes += [6, 8, 8, 8, 8, 8, 8, 8, 4, 4]                    // DNS servers
        bytes += [255]
        return padded(bytes)
    }

    static var ack: DHCPMessage {
        var message = DHCPMessage(operation: .reply, transactionID: 0x3903_f326, clientHardwareAddress: mac, messageType: .ack)
        message.secondsElapsed = 3
        message.yourAddress = IPv4Address(192, 168, 1, 100)
        message.serverAddress = IPv4Address(192, 168, 1, 1)
        message.serverIdentifier = IPv4Address(192, 168, 1, 1)
        message.leaseTime = 86400
        message.subnetMask = IPv4Address(255, 255, 255, 0)
        message.routers = [IPv4Address(192, 168, 1, 1)]
        message.dnsServers = [IPv4Address(8, 8, 8, 8), IPv4Address(8, 8, 4, 4)]
        return message
    }

    /// Every field and option set.
    static var full: DHCPMessage {
        var message = ack
        message.broadcast = true
        message.clientAddress = IPv4Address(10, 1, 2, 3)
        message.relayAddress = IPv4Address(10, 9, 9, 9)
        message.requestedAddress = IPv4Address(192, 168, 1, 100)
        message.renewalTime = 1000
        message.rebindingTime = 2000
        message.parameterRequestList = [1, 3, 6, 15, 119]
        message.hostName = "unikernel-é"
        message.clientIdentifier = [1] + macBytes
        message.maximumMessageSize = 1500
        return message
    }

    static func emitted(_ message: DHCPMessage) -> [UInt8] {
        var bytes: [UInt8] = []
        message.emit(into: &bytes)
        return bytes
    }

    /// Replaces the options of `message` (emitted) with `options`.
    static func withOptions(_ options: [UInt8], op: UInt8 = 2) -> [UInt8] {
        header(op: op, xid: [1, 2, 3, 4], flags: [0, 0]) + options
    }

    @Test func emitsADiscoverByteForByte() {
        #expect(Self.emitted(Self.discover) == Self.discoverBytes)
        #expect(Self.discoverBytes.count == 300)
    }

    @Test func parsesADiscover() throws {
        #expect(try DHCPMessage.parse(Self.discoverBytes[...]) == Self.discover)
    }

    @Test func parsesAnAckAndEmitsItBack() throws {
        #expect(try DHCPMessage.parse(Self.ackBytes[...]) == Self.ack)
        #expect(Self.emitted(Self.ack) == Self.ackBytes)
    }

    @Test func appendsAfterWhatIsInTheBuffer() {
        var buffer: [UInt8] = [0xaa, 0xbb]
        Self.ack.emit(into: &buffer)
        #expect(buffer == [0xaa, 0xbb] + Self.ackBytes)
    }

    @Test func parsesASliceThatDoesNotStartAtZero() throws {
        let bytes = [UInt8](repeating: 0xee, count: 17) + Self.ackBytes + [1, 2, 3]
        #expect(try DHCPMessage.parse(bytes[17...]) == Self.ack)
        #expect(try DHCPMessage.parse(bytes[17..<(17 + 240 + 3)]) == {
            var bare = DHCPMessage(operation: .reply, transactionID: 0x3903_f326, clientHardwareAddress: Self.mac, messageType: .ack)
            bare.secondsElapsed = 3
            bare.yourAddress = IPv4Address(192, 168, 1, 100)
            bare.serverAddress = IPv4Address(192, 168, 1, 1)
            return bare
        }())
    }

    @Test func roundTripsEveryField() throws {
        let bytes = Self.emitted(Self.full)
        #expect(try DHCPMessage.parse(bytes[...]) == Self.full)
        var message = DHCPMessage(operation: .request, transactionID: 0, clientHardwareAddress: Self.mac, messageType: nil)
        #expect(try DHCPMessage.parse(Self.emitted(message)[...]) == message)
        message.hostName = ""
        message.clientIdentifier = []
        #expect(try DHCPMessage.parse(Self.emitted(message)[...]) == message)
    }

    @Test func splitsLongOptionsAndJoinsThemBack() throws {
        // RFC 3396: 100 DNS servers need 400 bytes, so two pieces of option 6.
        var message = Self.ack
        message.dnsServers = (0..<100).map { IPv4Address(10, 0, UInt8($0), 1) }
        message.hostName = String(repeating: "h", count: 600)
        let bytes = Self.emitted(message)
        #expect(bytes.count > 300)
        #expect(try DHCPMessage.parse(bytes[...]) == message)
        // Pieces given by hand are concatenated too.
        let pieces = Self.withOptions([53, 1, 5, 6, 4, 1, 1, 1, 1, 6, 4, 2, 2, 2, 2, 55, 1, 3, 55, 2, 6, 12, 255])
        let parsed = try DHCPMessage.parse(pieces[...])
        #expect(parsed.dnsServers == [IPv4Address(1, 1, 1, 1), IPv4Address(2, 2, 2, 2)])
        #expect(parsed.parameterRequestList == [3, 6, 12])
        // An address split two bytes and two bytes is still one address.
        let split = try DHCPMessage.parse(Self.withOptions([54, 2, 10, 0, 54, 2, 0, 1, 255])[...])
        #expect(split.serverIdentifier == IPv4Address(10, 0, 0, 1))
    }

    @Test func skipsPadsAndUnknownOptionsAndStopsAtEnd() throws {
        let bytes = Self.withOptions([0, 0, 53, 1, 2, 0, 200, 3, 9, 9, 9, 43, 0, 255, 51, 1, 7])
        let message = try DHCPMessage.parse(bytes[...])
        #expect(message.messageType == .offer)
        #expect(message.leaseTime == nil)   // after the end option: not read, not an error
        // A missing end option is tolerated.
        #expect(try DHCPMessage.parse(Self.withOptions([53, 1, 2])[...]).messageType == .offer)
        #expect(try DHCPMessage.parse(Self.withOptions([])[...]).messageType == nil)
    }

    @Test func readsOverloadedFileAndServerNameFields() throws {
        var bytes = Self.withOptions([52, 1, 3, 53, 1, 5, 255])
        // file at 108: the lease time; sname at 44: the router. Order: options, file, sname.
        bytes.replaceSubrange(108..<116, with: [51, 4, 0, 0, 0x0e, 0x10, 6, 4])
        bytes.replaceSubrange(116..<121, with: [1, 1, 1, 1, 255])
        bytes.replaceSubrange(44..<56, with: [3, 4, 10, 0, 0, 1, 6, 4, 2, 2, 2, 2])
        let message = try DHCPMessage.parse(bytes[...])
        #expect(message.messageType == .ack)
        #expect(message.leaseTime == 3600)
        #expect(message.routers == [IPv4Address(10, 0, 0, 1)])
        #expect(message.dnsServers == [IPv4Address(1, 1, 1, 1), IPv4Address(2, 2, 2, 2)])
        // Without the overload option those fields are not options.
        bytes.replaceSubrange(240..<243, with: [0, 0, 0])
        let plain = try DHCPMessage.parse(bytes[...])
        #expect(plain.leaseTime == nil && plain.routers.isEmpty && plain.messageType == .ack)
    }

    @Test func decodesAHostNameLossily() throws {
        let message = try DHCPMessage.parse(Self.withOptions([12, 3, 0xff, 0x41, 0x42, 255])[...])
        #expect(message.hostName == "\u{FFFD}AB")
    }

    @Test func rejectsShortMessages() {
        for length in 0..<240 {
            #expect(throws: WireError.truncated) { try DHCPMessage.parse(Self.ackBytes[0..<length]) }
        }
    }

    @Test func rejectsWhatItDoesNotSpeak() {
        func expectUnsupported(_ change: (inout [UInt8]) -> Void) {
            var bytes = Self.ackBytes
            change(&bytes)
            #expect(throws: WireError.unsupported) { try DHCPMessage.parse(bytes[...]) }
        }
        expectUnsupported { $0[0] = 3 }          // op
        expectUnsupported { $0[0] = 0 }
        expectUnsupported { $0[1] = 6 }          // htype: IEEE 802
        expectUnsupported { $0[2] = 16 }         // hlen
        expectUnsupported { $0[239] = 0x64 }     // magic cookie
        expectUnsupported { $0[236] = 0 }
        expectUnsupported { $0[242] = 9 }        // message type: FORCERENEW
    }

    @Test func rejectsMalformedOptions() {
        let cases: [[UInt8]] = [
            [53],                               // no length byte
            [53, 2, 5],                         // runs past the end
            [51, 200, 0, 0, 0, 1],
            [53, 2, 5, 5, 255],                 // message type of two bytes
            [51, 3, 0, 0, 1, 255],              // lease time of three bytes
            [58, 5, 0, 0, 0, 1, 0, 255],        // T1 of five bytes
            [59, 0, 255],                       // T2 empty
            [54, 3, 1, 2, 3, 255],              // server identifier
            [50, 8, 1, 2, 3, 4, 5, 6, 7, 8, 255], // requested address
            [1, 2, 255, 255, 255],              // subnet mask
            [3, 6, 1, 2, 3, 4, 5, 6, 255],      // routers: not a multiple of four
            [6, 1, 1, 255],                     // DNS servers
            [57, 1, 5, 255],                    // maximum message size
            [52, 1, 4, 255],                    // overload: no such value
            [52, 2, 1, 1, 255],
            [51, 4, 0, 0, 1, 0, 51, 4, 0, 0, 1, 0, 255],  // two lease times concatenate to eight bytes
        ]
        for options in cases {
            #expect(throws: WireError.badOptions, "\(options)") { try DHCPMessage.parse(Self.withOptions(options)[...]) }
        }
        // An overloaded file field that runs past its 128 bytes.
        var bytes = Self.withOptions([52, 1, 1, 255])
        bytes[108 + 126] = 12
        bytes[108 + 127] = 5
        #expect(throws: WireError.badOptions) { try DHCPMessage.parse(bytes[...]) }
    }

    @Test func neverTrapsOnMutatedMessages() throws {
        var random = DHCPTestRandom(seed: 0xd4c9)
        let seeds = [Self.discoverBytes, Self.ackBytes, Self.emitted(Self.full),
                     Self.withOptions([52, 1, 3, 53, 1, 2, 255])]
        var parsed = 0
        for iteration in 0..<20_000 {
            var bytes = seeds[iteration % seeds.count]
            for _ in 0...random.below(6) {
                switch random.below(6) {
                case 0, 1:   // flip a byte, mostly in the options
                    let index = random.below(4) == 0 ? random.below(bytes.count) : 236 + random.below(max(1, bytes.count - 236))
                    if index < bytes.count { bytes[index] = UInt8(truncatingIfNeeded: random.next()) }
                case 2:      // a small length or code value
                    let index = 240 + random.below(max(1, bytes.count - 240))
                    if index < bytes.count { bytes[index] = [0, 1, 2, 3, 4, 5, 52, 53, 255][random.below(9)] }
                case 3:      // truncate
                    bytes.removeLast(min(bytes.count, random.below(80)))
                case 4:      // insert random bytes
                    let index = random.below(bytes.count + 1)
                    bytes.insert(contentsOf: (0..<random.below(8)).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: index)
                default:     // an overload option first, pointing at sname and file
                    if bytes.count > 242 { bytes[240] = 52; bytes[241] = 1; bytes[242] = UInt8(random.below(5)) }
                }
            }
            // Parse from a slice that does not start at zero.
            let offset = random.below(5)
            let framed = [UInt8](repeating: 0x55, count: offset) + bytes
            if let message = try? DHCPMessage.parse(framed[offset...]) {
                parsed += 1
                // Whatever parses emits to something that parses back the same.
                var again: [UInt8] = []
                message.emit(into: &again)
                #expect(try DHCPMessage.parse(again[...]) == message)
            }
        }
        #expect(parsed > 1000)
    }

    @Test func parsesRandomBytesWithoutTrapping() {
        var random = DHCPTestRandom(seed: 7)
        for _ in 0..<5_000 {
            var bytes = Self.withOptions([])
            bytes += (0..<random.below(120)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = try? DHCPMessage.parse(bytes[...])
        }
    }
}

/// Reproducible test data.
typealias DHCPTestRandom = SplitMix64

extension SplitMix64 {
    /// A number in 0..<bound (0 when bound is 0).
    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }
}
