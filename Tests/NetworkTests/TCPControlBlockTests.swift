import Testing
import SwiftletDevices
import SwiftletNet

/// Drives one ``TCPControlBlock`` with crafted segments and looks at what it sends.
private struct Harness {
    static let local = IPv4Endpoint(address: IPv4Address(10, 0, 0, 2), port: 8080)
    static let remote = IPv4Endpoint(address: IPv4Address(10, 0, 0, 1), port: 40000)
    static let ourISS: UInt32 = 1000
    static let peerISS: UInt32 = 5000

    var tcb: TCPControlBlock
    var now = MonotonicInstant(nanoseconds: 1_000_000_000)
    var sent: [(header: TCPHeader, payload: [UInt8])] = []

    /// A connection passively opened by a SYN with the usual Linux options.
    static func accepted(configuration: TCPConfiguration = TCPConfiguration(), options: TCPOptions = linuxSYNOptions,
                         establish: Bool = true) -> Harness {
        let syn = TCPHeader(sourcePort: remote.port, destinationPort: local.port, sequenceNumber: peerISS,
                            acknowledgmentNumber: 0, flags: .syn, window: 64240, options: options)
        let now = MonotonicInstant(nanoseconds: 1_000_000_000)
        var harness = Harness(tcb: TCPControlBlock(acceptingSYN: syn, local: local, remote: remote, initialSequence: ourISS,
                                                   mtu: 1500, now: now, configuration: configuration))
        harness.transmit()
        if establish {
            harness.deliver(flags: .ack, sequence: peerISS + 1, ack: ourISS + 1, timestamps: options.timestamps != nil)
        }
        return harness
    }

    static let linuxSYNOptions = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true,
                                            timestamps: TCPTimestamps(value: 100, echoReply: 0))

    mutating func transmit() {
        var out: [(header: TCPHeader, payload: [UInt8])] = []
        tcb.transmit(now: now) { header, payload in out.append((header, Array(payload))) }
        sent += out
    }

    mutating func poll(after duration: Duration) {
        now = now + duration
        var out: [(header: TCPHeader, payload: [UInt8])] = []
        tcb.poll(now: now) { header, payload in out.append((header, Array(payload))) }
        sent += out
    }

    mutating func deliver(flags: TCPFlags, sequence: UInt32, ack: UInt32 = 0, window: UInt16 = 1000,
                          payload: [UInt8] = [], timestamps: Bool = true, sack: [SACKBlock] = []) {
        var options = TCPOptions()
        if timestamps { options.timestamps = TCPTimestamps(value: UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000), echoReply: 1) }
        options.sackBlocks = sack
        let header = TCPHeader(sourcePort: Self.remote.port, destinationPort: Self.local.port, sequenceNumber: sequence,
                               acknowledgmentNumber: ack, flags: flags, window: window, options: options)
        var out: [(header: TCPHeader, payload: [UInt8])] = []
        tcb.receive(header, payload: payload[...], now: now) { header, payload in out.append((header, Array(payload))) }
        sent += out
    }

    /// Takes the segments sent so far.
    mutating func take() -> [(header: TCPHeader, payload: [UInt8])] {
        defer { sent.removeAll() }
        return sent
    }
}

@Suite struct TCPControlBlockTests {
    @Test func passiveOpenAnswersWithSYNACKCarryingOurOptions() throws {
        var harness = Harness.accepted(establish: false)
        let synAck = try #require(harness.take().first).header
        #expect(synAck.flags == [.syn, .ack])
        #expect(synAck.sequenceNumber == Harness.ourISS)
        #expect(synAck.acknowledgmentNumber == Harness.peerISS + 1)
        #expect(synAck.options.maximumSegmentSize == 1460)
        #expect(synAck.options.windowScale != nil)
        #expect(synAck.options.sackPermitted)
        #expect(synAck.options.timestamps?.echoReply == 100)
        #expect(harness.tcb.state == .synReceived)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1)
        #expect(harness.tcb.state == .established)
    }

    @Test func withoutPeerOptionsNoneAreUsed() throws {
        var harness = Harness.accepted(options: TCPOptions(maximumSegmentSize: 536), establish: false)
        let synAck = try #require(harness.take().first).header
        #expect(synAck.options.windowScale == nil)
        #expect(!synAck.options.sackPermitted)
        #expect(synAck.options.timestamps == nil)
    }

    @Test func activeOpenSendsSYNAndAcknowledgesTheSYNACK() throws {
        var harness = Harness(tcb: TCPControlBlock(connectingFrom: Harness.local, to: Harness.remote, initialSequence: 77,
                                                   mtu: 1500, now: MonotonicInstant(nanoseconds: 0)))
        harness.transmit()
        let syn = try #require(harness.take().first).header
        #expect(syn.flags == .syn)
        #expect(syn.sequenceNumber == 77)
        #expect(syn.options.maximumSegmentSize == 1460)
        harness.deliver(flags: [.syn, .ack], sequence: 9000, ack: 78, window: 65535)
        #expect(harness.tcb.state == .established)
        let ack = try #require(harness.take().last).header
        #expect(ack.flags == .ack)
        #expect(ack.acknowledgmentNumber == 9001)
    }

    @Test func resetInReplyToSYNMeansRefused() {
        var harness = Harness(tcb: TCPControlBlock(connectingFrom: Harness.local, to: Harness.remote, initialSequence: 77,
                                                   mtu: 1500, now: MonotonicInstant(nanoseconds: 0)))
        harness.transmit()
        harness.deliver(flags: [.rst, .ack], sequence: 0, ack: 78)
        #expect(harness.tcb.state == .closed)
        #expect(harness.tcb.error == .connectionRefused)
    }

    @Test func simultaneousOpen() throws {
        var harness = Harness(tcb: TCPControlBlock(connectingFrom: Harness.local, to: Harness.remote, initialSequence: 77,
                                                   mtu: 1500, now: MonotonicInstant(nanoseconds: 0)))
        harness.transmit()
        _ = harness.take()
        harness.deliver(flags: .syn, sequence: 9000, timestamps: false)
        #expect(harness.tcb.state == .synReceived)
        let synAck = try #require(harness.take().first).header
        #expect(synAck.flags == [.syn, .ack])
        #expect(synAck.sequenceNumber == 77)
        #expect(synAck.acknowledgmentNumber == 9001)
        harness.deliver(flags: [.syn, .ack], sequence: 9000, ack: 78, timestamps: false)
        harness.deliver(flags: .ack, sequence: 9001, ack: 78, timestamps: false)
        #expect(harness.tcb.state == .established)
    }

    @Test func receivedDataIsReadableAndAcknowledgedEverySecondSegmentOrAfterTheDelay() throws {
        var harness = Harness.accepted()
        _ = harness.take()
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1, payload: Array(repeating: 1, count: 100))
        #expect(harness.take().isEmpty, "one segment: the ACK is delayed")
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 101, ack: Harness.ourISS + 1, payload: Array(repeating: 2, count: 100))
        let ack = try #require(harness.take().last).header
        #expect(ack.acknowledgmentNumber == Harness.peerISS + 201)
        #expect(harness.tcb.read(maxLength: 1000) == Array(repeating: 1, count: 100) + Array(repeating: 2, count: 100))

        harness.deliver(flags: .ack, sequence: Harness.peerISS + 201, ack: Harness.ourISS + 1, payload: [3])
        #expect(harness.take().isEmpty)
        harness.poll(after: .milliseconds(41))
        #expect(try #require(harness.take().last).header.acknowledgmentNumber == Harness.peerISS + 202)
    }

    @Test func outOfOrderDataIsAcknowledgedAtOnceWithSACKAndJoinedWhenTheGapFills() throws {
        var harness = Harness.accepted()
        _ = harness.take()
        let base = Harness.peerISS + 1
        harness.deliver(flags: .ack, sequence: base + 100, ack: Harness.ourISS + 1, payload: Array(repeating: 2, count: 100))
        let dupAck = try #require(harness.take().last).header
        #expect(dupAck.acknowledgmentNumber == base)
        #expect(dupAck.options.sackBlocks == [SACKBlock(left: base + 100, right: base + 200)])
        #expect(harness.tcb.readableBytes == 0)
        harness.deliver(flags: .ack, sequence: base, ack: Harness.ourISS + 1, payload: Array(repeating: 1, count: 100))
        #expect(try #require(harness.take().last).header.acknowledgmentNumber == base + 200)
        #expect(harness.tcb.read(maxLength: 1000) == Array(repeating: 1, count: 100) + Array(repeating: 2, count: 100))
    }

    @Test func writtenDataIsSentInMSSSegmentsAndFreedWhenAcknowledged() throws {
        var harness = Harness.accepted()
        _ = harness.take()
        let data = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        #expect(harness.tcb.write(data[...]) == 5000)
        harness.transmit()
        let segments = harness.take()
        // MSS 1460 less 12 bytes of timestamp option; Nagle holds the small tail while data is in flight.
        #expect(segments.map(\.payload.count) == [1448, 1448, 1448])
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1 + 4344, window: 1000)
        let tail = harness.take()
        #expect(tail.map(\.payload.count) == [656])
        #expect(tail.last?.header.flags.contains(.psh) == true)
        #expect(segments.flatMap(\.payload) + tail.flatMap(\.payload) == data, "the bytes sent are the bytes written")
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1 + 5000, window: 1000)
        #expect(harness.tcb.unacknowledgedBytes == 0)
    }

    @Test func nagleHoldsASecondSmallSegmentUntilTheFirstIsAcknowledged() throws {
        var harness = Harness.accepted()
        _ = harness.take()
        _ = harness.tcb.write([1, 2, 3][...])
        harness.transmit()
        _ = harness.tcb.write([4, 5][...])
        harness.transmit()
        #expect(harness.take().map(\.payload) == [[1, 2, 3]])
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 4)
        #expect(harness.take().map(\.payload) == [[4, 5]])

        var configuration = TCPConfiguration()
        configuration.noDelay = true
        var eager = Harness.accepted(configuration: configuration)
        _ = eager.take()
        _ = eager.tcb.write([1][...])
        eager.transmit()
        _ = eager.tcb.write([2][...])
        eager.transmit()
        #expect(eager.take().map(\.payload) == [[1], [2]])
    }

    @Test func unacknowledgedDataIsRetransmittedWithBackoffThenTheConnectionTimesOut() throws {
        var configuration = TCPConfiguration()
        configuration.maximumRetransmissions = 3
        var harness = Harness.accepted(configuration: configuration)
        _ = harness.take()
        _ = harness.tcb.write([9, 9, 9][...])
        harness.transmit()
        #expect(harness.take().count == 1)
        var intervals: [Duration] = []
        var last = harness.now
        for _ in 0..<20 where harness.tcb.state != .closed {
            guard let deadline = harness.tcb.nextDeadline else { break }
            harness.poll(after: deadline - harness.now)
            let segments = harness.take()
            if segments.contains(where: { $0.payload == [9, 9, 9] }) {
                intervals.append(harness.now - last)
                last = harness.now
            }
        }
        #expect(intervals.count == 3)
        // Each timeout doubles the one before.
        for (earlier, later) in zip(intervals, intervals.dropFirst()) { #expect(later == earlier * 2) }
        #expect(harness.tcb.state == .closed)
        #expect(harness.tcb.error == .timedOut)
    }

    @Test func threeDuplicateAcksTriggerFastRetransmit() throws {
        var harness = Harness.accepted()
        _ = harness.take()
        let data = [UInt8](repeating: 7, count: 1448 * 6)
        _ = harness.tcb.write(data[...])
        harness.transmit()
        #expect(harness.take().count == 6)
        let una = Harness.ourISS + 1
        for index in 0..<3 {
            let sackRight = una + UInt32(1448 * (index + 2))
            harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: una, window: 1000,
                            sack: [SACKBlock(left: una + 1448, right: sackRight)])
        }
        let retransmitted = harness.take()
        #expect(retransmitted.count == 1)
        #expect(retransmitted.first?.header.sequenceNumber == una)
        #expect(retransmitted.first?.payload.count == 1448)
    }

    /// Twenty segments written, ten sent; the first is lost. Limited transmit sends segments
    /// 10 and 11, the fast retransmit (at `now`) segment 0, and later duplicate ACKs 12 and 13.
    fileprivate static func recoveringFromALoss() -> Harness {
        var harness = Harness.accepted()
        _ = harness.take()
        _ = harness.tcb.write([UInt8](repeating: 7, count: 1448 * 20)[...])
        harness.transmit()
        _ = harness.take()
        let una = Harness.ourISS + 1
        for sacked in 2...9 {
            harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: una, window: 1000,
                            sack: [SACKBlock(left: una + 1448, right: una + UInt32(1448 * sacked))])
        }
        return harness
    }

    @Test func testEstablishedLostRetransmissionIsSentAgainWithoutWaitingForTheRTO() throws {
        var harness = Self.recoveringFromALoss()
        let una = Harness.ourISS + 1
        let recovery = harness.take()
        #expect(recovery.filter { $0.header.sequenceNumber == una }.count == 1)  // the fast retransmit
        #expect(recovery.contains { $0.header.sequenceNumber == una + 1448 * 12 })  // new data after it
        // The peer reports a segment sent after the retransmission, a round trip and more later:
        // the retransmission was lost too. It goes again now, long before the 1 s RTO.
        harness.now = harness.now + .milliseconds(300)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: una, window: 1000,
                        sack: [SACKBlock(left: una + 1448, right: una + 1448 * 13)])
        let again = harness.take()
        #expect(again.contains { $0.header.sequenceNumber == una && $0.payload.count == 1448 })
        #expect(harness.tcb.statistics.lostRetransmissions == 1)
        #expect(harness.tcb.statistics.timeouts == 0)
    }

    @Test func testEstablishedRACKWaitsOutTheReorderingWindow() throws {
        var harness = Self.recoveringFromALoss()
        let una = Harness.ourISS + 1
        _ = harness.take()
        // 100 ms after the retransmission (SRTT unknown: 200 ms plus a quarter): maybe reordered.
        harness.now = harness.now + .milliseconds(100)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: una, window: 1000,
                        sack: [SACKBlock(left: una + 1448, right: una + 1448 * 13)])
        #expect(!harness.take().contains { $0.header.sequenceNumber == una })
        // Past the window, the next ACK marks it lost.
        harness.now = harness.now + .milliseconds(200)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: una, window: 1000,
                        sack: [SACKBlock(left: una + 1448, right: una + 1448 * 14)])
        #expect(harness.take().contains { $0.header.sequenceNumber == una })
        #expect(harness.tcb.statistics.lostRetransmissions == 1)
        // Once it is acknowledged, nothing more is resent.
        harness.now = harness.now + .milliseconds(300)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: una + 1448 * 14, window: 1000)
        #expect(!harness.take().contains { $0.header.sequenceNumber < una + 1448 * 14 })
        #expect(harness.tcb.statistics.lostRetransmissions == 1)
    }

    @Test func testEstablishedTailLossProbeGoesBeforeTheRTO() throws {
        let options = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true)
        var harness = Harness.accepted(options: options, establish: false)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1, timestamps: false)
        _ = harness.take()
        // One round trip of 10 ms, measured on a first segment.
        _ = harness.tcb.write([1][...])
        harness.transmit()
        harness.now = harness.now + .milliseconds(10)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 2, timestamps: false)
        _ = harness.take()
        // Three segments go out and no ACK comes back: a probe after 2·SRTT, not the 200 ms RTO.
        _ = harness.tcb.write([UInt8](repeating: 2, count: 1460 * 3)[...])
        harness.transmit()
        #expect(harness.take().count == 3)
        let deadline = try #require(harness.tcb.nextDeadline)
        #expect(deadline - harness.now == .milliseconds(20))
        harness.poll(after: .milliseconds(20))
        let probe = harness.take()
        #expect(probe.count == 1)
        #expect(probe.first?.header.sequenceNumber == Harness.ourISS + 2 + 1460 * 2)  // the last segment
        #expect(harness.tcb.statistics.tailLossProbes == 1)
        // One probe per tail: the next timer is the RTO.
        harness.poll(after: .milliseconds(20))
        #expect(harness.take().isEmpty)
        #expect(harness.tcb.statistics.timeouts == 0)
    }

    @Test func testFastRecoveryProbeResendsTheHoleAtSNDUNAWhenACKsStop() throws {
        let options = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true)
        var harness = Harness.accepted(options: options, establish: false)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1, timestamps: false)
        _ = harness.tcb.write([1][...])
        harness.transmit()
        harness.now = harness.now + .milliseconds(10)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 2, timestamps: false)
        let una = Harness.ourISS + 2
        _ = harness.tcb.write([UInt8](repeating: 2, count: 1460 * 10)[...])
        harness.transmit()
        // The first segment is lost; three SACKs start recovery and resend it, then ACKs stop.
        for sacked in 2...4 {
            harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: una, timestamps: false,
                            sack: [SACKBlock(left: una + 1460, right: una + UInt32(1460 * sacked))])
        }
        _ = harness.take()
        #expect(harness.tcb.statistics.fastRetransmits == 1)
        harness.poll(after: .milliseconds(20))
        let probe = harness.take()
        #expect(probe.map(\.header.sequenceNumber) == [una])
        #expect(harness.tcb.statistics.tailLossProbes == 1)
        #expect(harness.tcb.statistics.timeouts == 0)
    }

    @Test func aZeroWindowIsProbedUntilItOpens() throws {
        var harness = Harness.accepted()
        _ = harness.take()
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1, window: 0)
        _ = harness.tcb.write([1, 2, 3][...])
        harness.transmit()
        #expect(harness.take().isEmpty)
        let deadline = try #require(harness.tcb.nextDeadline)
        harness.poll(after: deadline - harness.now)
        let probe = try #require(harness.take().first).header
        #expect(probe.sequenceNumber == Harness.ourISS)  // SND.UNA - 1: makes the peer answer
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1, window: 1000)
        #expect(harness.take().map(\.payload) == [[1, 2, 3]])
    }

    @Test func orderlyCloseGoesThroughTimeWait() throws {
        var harness = Harness.accepted()
        _ = harness.take()
        harness.tcb.closeWrite()
        harness.transmit()
        let fin = try #require(harness.take().first).header
        #expect(fin.flags.contains(.fin))
        #expect(harness.tcb.state == .finWait1)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 2)
        #expect(harness.tcb.state == .finWait2)
        harness.deliver(flags: [.fin, .ack], sequence: Harness.peerISS + 1, ack: Harness.ourISS + 2)
        #expect(harness.tcb.state == .timeWait)
        #expect(try #require(harness.take().last).header.acknowledgmentNumber == Harness.peerISS + 2)
        #expect(harness.tcb.isReadFinished)
        harness.poll(after: .seconds(61))
        #expect(harness.tcb.state == .closed)
    }

    @Test func passiveCloseGoesThroughCloseWaitAndLastAck() throws {
        var harness = Harness.accepted()
        _ = harness.take()
        harness.deliver(flags: [.fin, .ack], sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1)
        #expect(harness.tcb.state == .closeWait)
        #expect(harness.tcb.isReadFinished)
        harness.tcb.closeWrite()
        harness.transmit()
        #expect(harness.tcb.state == .lastAck)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 2, ack: Harness.ourISS + 2)
        #expect(harness.tcb.state == .closed)
        #expect(harness.tcb.error == nil)
    }

    @Test func simultaneousCloseGoesThroughClosing() {
        var harness = Harness.accepted()
        _ = harness.take()
        harness.tcb.closeWrite()
        harness.transmit()
        harness.deliver(flags: [.fin, .ack], sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1)
        #expect(harness.tcb.state == .closing)
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 2, ack: Harness.ourISS + 2)
        #expect(harness.tcb.state == .timeWait)
    }

    @Test func onlyAnExactResetResetsOthersGetAChallengeAck() throws {
        var harness = Harness.accepted()
        _ = harness.take()
        harness.deliver(flags: .rst, sequence: Harness.peerISS + 100)
        #expect(harness.tcb.state == .established)
        #expect(try #require(harness.take().last).header.flags == .ack)
        harness.deliver(flags: .syn, sequence: Harness.peerISS + 1)
        #expect(harness.tcb.state == .established)
        #expect(try #require(harness.take().last).header.flags == .ack)
        harness.deliver(flags: .rst, sequence: Harness.peerISS + 1)
        #expect(harness.tcb.state == .closed)
        #expect(harness.tcb.error == .connectionReset)
    }

    @Test func keepAliveProbesAnIdleConnectionAndGivesUp() {
        var configuration = TCPConfiguration()
        configuration.keepAlive = .init(idle: .seconds(10), interval: .seconds(2), count: 3)
        var harness = Harness.accepted(configuration: configuration)
        _ = harness.take()
        var probes = 0
        for _ in 0..<10 where harness.tcb.state != .closed {
            guard let deadline = harness.tcb.nextDeadline else { break }
            harness.poll(after: deadline - harness.now)
            probes += harness.take().filter { $0.header.flags == .ack && $0.header.sequenceNumber == Harness.ourISS }.count
        }
        #expect(probes == 3)
        #expect(harness.tcb.error == .timedOut)
    }

    @Test func windowScalingAppliesToTheAdvertisedWindow() throws {
        var harness = Harness.accepted()
        let synAck = try #require(harness.take().first).header
        let shift = Int(try #require(synAck.options.windowScale))
        harness.deliver(flags: .ack, sequence: Harness.peerISS + 1, ack: Harness.ourISS + 1, payload: [1])
        harness.poll(after: .milliseconds(50))
        let ack = try #require(harness.take().last).header
        #expect(Int(ack.window) << shift >= TCPConfiguration().receiveBufferSize - (1 << shift) - 1)
    }
}
