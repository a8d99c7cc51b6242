import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletNet

/// Runs `body` as the main task of a run loop on a fresh ``SimulatedPlatform``: deterministic,
/// virtual time. A thrown error becomes a test issue.
func simulate(_ body: @escaping (RunLoop<SimulatedPlatform>) async throws -> Void) throws {
    let loop = RunLoop(platform: SimulatedPlatform())
    let status = try loop.run {
        do {
            try await body(loop)
            return 0
        } catch {
            Issue.record("the simulated run failed: \(error)")
            return 1
        }
    }
    #expect(status == 0)
}

/// A test frame: broadcast, from 02:00:00:00:00:01, EtherType 0x88B5 (local experiment), then
/// `sequence` as four big-endian bytes and a filler pattern up to `length` bytes.
func testFrame(_ sequence: Int, length: Int = 60) -> [UInt8] {
    var frame: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xB5]
    let value = UInt32(truncatingIfNeeded: sequence)
    frame += [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
              UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    while frame.count < length { frame.append(UInt8(truncatingIfNeeded: frame.count &* 7 &+ sequence)) }
    return Array(frame.prefix(length))
}

/// The sequence number `testFrame` put in `frame`.
func sequenceNumber(of frame: [UInt8]) -> Int {
    Int(frame[14]) << 24 | Int(frame[15]) << 16 | Int(frame[16]) << 8 | Int(frame[17])
}

let macA = MACAddress(0x02, 0, 0, 0, 0, 0x0A)
let macB = MACAddress(0x02, 0, 0, 0, 0, 0x0B)

/// Receives one frame from `interface`, trimmed to its length.
func receiveFrame<Interface: NetworkInterface>(_ interface: Interface) async throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: interface.mtu + 14)
    let length = try await interface.receive(into: &buffer)
    return Array(buffer[0..<length])
}

@Suite struct MemoryLinkTests {
    @Test func framesArriveOnTheOtherEndInOrder() throws {
        try simulate { _ in
            let link = MemoryLink(macA: macA, macB: macB)
            #expect(link.a.macAddress == macA && link.b.macAddress == macB && link.a.mtu == 1500)
            for sequence in 0..<10 { try await link.a.transmit(testFrame(sequence, length: 60 + sequence)) }
            try await link.b.transmit(testFrame(99))
            #expect(link.b.pendingFrames == 10)
            for sequence in 0..<10 {
                #expect(try await receiveFrame(link.b) == testFrame(sequence, length: 60 + sequence))
            }
            #expect(try await receiveFrame(link.a) == testFrame(99))
            #expect(link.dropped == 0)
        }
    }

    @Test func receiveWaitsForTheNextFrame() throws {
        try simulate { loop in
            let link = MemoryLink(macA: macA, macB: macB)
            async let received = receiveFrame(link.b)
            await loop.sleep(until: MonotonicInstant(nanoseconds: 5_000_000))
            try await link.a.transmit(testFrame(7))
            #expect(try await received == testFrame(7))
            #expect(loop.platform.monotonicNow().nanoseconds == 5_000_000)
        }
    }

    @Test func aFullQueueDropsTheNewestFrameAndCountsIt() throws {
        try simulate { _ in
            let link = MemoryLink(macA: macA, macB: macB, capacity: 4)
            for sequence in 0..<6 { try await link.a.transmit(testFrame(sequence)) }
            #expect(link.a.dropped == 2)
            #expect(link.b.dropped == 0)
            #expect(link.dropped == 2)
            for sequence in 0..<4 { #expect(sequenceNumber(of: try await receiveFrame(link.b)) == sequence) }
            // Room again: the next frame goes through.
            try await link.a.transmit(testFrame(6))
            #expect(sequenceNumber(of: try await receiveFrame(link.b)) == 6)
            #expect(link.b.pendingFrames == 0)
        }
    }

    @Test func refusesFramesLargerThanTheMTUAllows() throws {
        try simulate { _ in
            let link = MemoryLink(macA: macA, macB: macB, mtu: 100)
            try await link.a.transmit(testFrame(1, length: 114))
            do {
                try await link.a.transmit(testFrame(2, length: 115))
                Issue.record("a 115-byte frame on a 100-byte MTU was accepted")
            } catch let error as NetError {
                guard case .invalidArgument = error else { throw error }
            }
            #expect(link.b.pendingFrames == 1)
            // A buffer too small for the waiting frame is refused and the frame kept.
            var small = [UInt8](repeating: 0, count: 20)
            do {
                _ = try await link.b.receive(into: &small)
                Issue.record("a 20-byte buffer took a 114-byte frame")
            } catch let error as NetError {
                guard case .invalidArgument = error else { throw error }
            }
            #expect(try await receiveFrame(link.b).count == 114)
        }
    }

    @Test func twoTasksTalkBothWays() throws {
        try simulate { _ in
            let link = MemoryLink(macA: macA, macB: macB, capacity: 2)
            // The echo side answers every frame; the queue of 2 never overflows because each
            // side waits for the answer before sending more.
            async let echo: Void = {
                for _ in 0..<100 {
                    var frame = try await receiveFrame(link.b)
                    frame[20] ^= 0xFF
                    try await link.b.transmit(frame)
                }
            }()
            for sequence in 0..<100 {
                var expected = testFrame(sequence)
                try await link.a.transmit(expected)
                expected[20] ^= 0xFF
                #expect(try await receiveFrame(link.a) == expected)
            }
            try await echo
            #expect(link.dropped == 0)
        }
    }
}
