import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletNet

/// A device that keeps what it transmits and receives from a list; an empty list reads as a
/// closed device, so tests never wait.
final class ScriptedInterface: NetworkInterface {
    let macAddress = MACAddress(0x02, 0, 0, 0, 0, 0x0C)
    let mtu = 1500
    var transmitted: [[UInt8]] = []
    var toReceive: [[UInt8]] = []
    private var nextToReceive = 0

    func receive(into buffer: inout [UInt8]) async throws(NetError) -> Int {
        guard nextToReceive < toReceive.count else { throw .closed }
        let frame = toReceive[nextToReceive]
        nextToReceive += 1
        for index in frame.indices { buffer[index] = frame[index] }
        return frame.count
    }

    func transmit(_ frame: [UInt8]) async throws(NetError) { transmitted.append(frame) }
}

/// Sends frames 0..<count through `faults` on the transmit path; returns what came out
/// (flushed) and the counters.
func transmitThrough(_ faults: FaultInjector<ScriptedInterface>.Faults, count: Int, length: Int = 60) throws
    -> (frames: [[UInt8]], counters: FaultInjector<ScriptedInterface>.Counters) {
    let base = ScriptedInterface()
    let injector = FaultInjector(base, faults: faults)
    try simulate { _ in
        for sequence in 0..<count { try await injector.transmit(testFrame(sequence, length: length)) }
        try await injector.flush()
    }
    #expect(injector.receiveCounters == .init())
    return (base.transmitted, injector.transmitCounters)
}

/// Checks `value` is within `tolerance` (per million) of `expectedPerMillion` of `total`.
func expectRate(_ value: Int, of total: Int, near expectedPerMillion: Int, tolerance: Int,
                sourceLocation: SourceLocation = #_sourceLocation) {
    let perMillion = value * 1_000_000 / max(total, 1)
    #expect(abs(perMillion - expectedPerMillion) <= tolerance,
            "\(value) of \(total) is \(perMillion) per million, expected \(expectedPerMillion) ± \(tolerance)",
            sourceLocation: sourceLocation)
}

@Suite struct FaultInjectorTests {
    let mixed = FaultInjector<ScriptedInterface>.Faults(
        lossPerMillion: 100_000, duplicatePerMillion: 50_000, reorderPerMillion: 50_000,
        corruptPerMillion: 20_000, seed: 42)

    @Test func transmitPathRatesMatchTheSettings() throws {
        let (frames, counters) = try transmitThrough(mixed, count: 10_000)
        #expect(counters.frames == 10_000)
        let survivors = counters.frames - counters.lost
        expectRate(counters.lost, of: counters.frames, near: 100_000, tolerance: 15_000)
        expectRate(counters.duplicated, of: survivors, near: 50_000, tolerance: 10_000)
        expectRate(counters.corrupted, of: survivors, near: 20_000, tolerance: 6_000)
        // A frame cannot be held while another one is.
        expectRate(counters.reordered, of: survivors, near: 47_500, tolerance: 10_000)
        #expect(frames.count == survivors + counters.duplicated)
    }

    @Test func receivePathRatesMatchTheSettings() throws {
        let base = ScriptedInterface()
        base.toReceive = (0..<10_000).map { testFrame($0) }
        let injector = FaultInjector(base, faults: mixed)
        var received: [[UInt8]] = []
        try simulate { _ in
            do {
                while true { received.append(try await receiveFrame(injector)) }
            } catch NetError.closed {
                // The scripted device ran dry.
            }
        }
        let counters = injector.receiveCounters
        #expect(counters.frames == 10_000)
        #expect(injector.transmitCounters == .init())
        let survivors = counters.frames - counters.lost
        expectRate(counters.lost, of: counters.frames, near: 100_000, tolerance: 15_000)
        expectRate(counters.duplicated, of: survivors, near: 50_000, tolerance: 10_000)
        expectRate(counters.corrupted, of: survivors, near: 20_000, tolerance: 6_000)
        expectRate(counters.reordered, of: survivors, near: 47_500, tolerance: 10_000)
        // Only a frame still held when the device ran dry is missing.
        let delivered = survivors + counters.duplicated
        #expect(received.count == delivered || delivered - received.count <= 2)
    }

    @Test func theSameSeedGivesTheSameFaults() throws {
        let first = try transmitThrough(mixed, count: 2_000)
        let second = try transmitThrough(mixed, count: 2_000)
        #expect(first.frames == second.frames)
        #expect(first.counters == second.counters)
        var reseeded = mixed
        reseeded.seed = 43
        let third = try transmitThrough(reseeded, count: 2_000)
        #expect(third.frames != first.frames)
    }

    @Test func reorderingSwapsNeighbours() throws {
        let faults = FaultInjector<ScriptedInterface>.Faults(reorderPerMillion: 200_000, seed: 9)
        let (frames, counters) = try transmitThrough(faults, count: 1_000)
        let order = frames.map(sequenceNumber(of:))
        #expect(order.sorted() == Array(0..<1_000))
        #expect(counters.reordered > 100)
        var swaps = 0
        for index in order.indices {
            // Nothing moves more than one place...
            #expect(abs(order[index] - index) <= 1)
            // ...and every step back is one frame overtaking its predecessor.
            if index + 1 < order.count, order[index] > order[index + 1] {
                #expect(order[index] == order[index + 1] + 1)
                swaps += 1
            }
        }
        #expect(swaps == counters.reordered)
    }

    @Test func corruptionFlipsExactlyOneBitAfterTheEthernetHeader() throws {
        let faults = FaultInjector<ScriptedInterface>.Faults(corruptPerMillion: 1_000_000, seed: 5)
        let base = ScriptedInterface()
        let injector = FaultInjector(base, faults: faults)
        let sent = (0..<500).map { testFrame($0, length: 15 + ($0 * 37) % 1500) }
        try simulate { _ in
            for frame in sent { try await injector.transmit(frame) }
            // A bare header has nothing to corrupt.
            try await injector.transmit(Array(testFrame(0).prefix(14)))
        }
        #expect(injector.transmitCounters.corrupted == 500)
        #expect(base.transmitted.count == 501)
        var positions = Set<Int>()
        for (original, corrupted) in zip(sent, base.transmitted) {
            #expect(original.count == corrupted.count)
            let flipped = zip(original, corrupted).map { ($0 ^ $1).nonzeroBitCount }
            #expect(flipped.reduce(0, +) == 1)
            if let position = flipped.firstIndex(of: 1) {
                #expect(position >= 14)
                positions.insert(position)
            }
        }
        #expect(positions.count > 100, "corruption should hit many different bytes")
        #expect(base.transmitted.last == Array(testFrame(0).prefix(14)))
    }

    @Test func lossDropsAndDuplicationRepeats() throws {
        let everything = try transmitThrough(.init(lossPerMillion: 1_000_000, seed: 1), count: 50)
        #expect(everything.frames.isEmpty && everything.counters.lost == 50)
        let doubled = try transmitThrough(.init(duplicatePerMillion: 1_000_000, seed: 1), count: 50)
        #expect(doubled.frames.map(sequenceNumber(of:)) == (0..<50).flatMap { [$0, $0] })
    }

    @Test func aHeldFrameFollowsTheNextOneOverAMemoryLink() throws {
        try simulate { _ in
            let link = MemoryLink(macA: macA, macB: macB)
            let injector = FaultInjector(link.a, faults: .init(reorderPerMillion: 1_000_000, seed: 3))
            for sequence in 0..<6 { try await injector.transmit(testFrame(sequence)) }
            var order: [Int] = []
            for _ in 0..<6 { order.append(sequenceNumber(of: try await receiveFrame(link.b))) }
            #expect(order == [1, 0, 3, 2, 5, 4])

            // The receive path, over the other direction of the link.
            let receiving = FaultInjector(link.b, faults: .init(reorderPerMillion: 1_000_000, seed: 3))
            for sequence in 0..<4 { try await link.a.transmit(testFrame(sequence)) }
            order = []
            for _ in 0..<4 { order.append(sequenceNumber(of: try await receiveFrame(receiving))) }
            #expect(order == [1, 0, 3, 2])
            #expect(receiving.receiveCounters.reordered == 2)
        }
    }
}
