import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A ``NetworkInterface`` wrapper that loses, duplicates, reorders and corrupts frames, in both
/// directions, from a seeded generator: the same seed and the same traffic give the same faults,
/// so a failing run can be repeated.
///
/// ```swift
/// let lossy = FaultInjector(tap, faults: .init(lossPerMillion: 50_000, seed: 7))   // 5 % loss
/// ```
///
/// For every frame, in each direction, the injector decides in this order:
/// - *loss*: the frame is dropped;
/// - *corruption*: one random bit of one random byte after the Ethernet header is flipped
///   (frames with no payload are left alone);
/// - *reordering*: the frame is held back and delivered right after the next frame that goes
///   through in the same direction (at most one frame is held per direction);
/// - *duplication*: the frame is delivered twice.
///
/// A frame held on the receive path is delivered when the next frame arrives from the base
/// device; one held on the transmit path goes out after the next transmitted frame, or with
/// ``flush()``. Protocols that retransmit always send a next frame, so holding delays a frame
/// but does not lose it.
public final class FaultInjector<Base: NetworkInterface>: NetworkInterface {
    /// How often each fault happens, in frames per million, and the generator's seed.
    public struct Faults: Sendable {
        /// Frames lost, per million.
        public var lossPerMillion: UInt32
        /// Frames delivered twice, per million.
        public var duplicatePerMillion: UInt32
        /// Frames delivered after the next one, per million.
        public var reorderPerMillion: UInt32
        /// Frames with one bit flipped, per million.
        public var corruptPerMillion: UInt32
        /// The pseudo-random generator's seed.
        public var seed: UInt64

        /// Creates a fault description; everything left out does not happen.
        public init(lossPerMillion: UInt32 = 0, duplicatePerMillion: UInt32 = 0, reorderPerMillion: UInt32 = 0,
                    corruptPerMillion: UInt32 = 0, seed: UInt64 = 0) {
            self.lossPerMillion = lossPerMillion
            self.duplicatePerMillion = duplicatePerMillion
            self.reorderPerMillion = reorderPerMillion
            self.corruptPerMillion = corruptPerMillion
            self.seed = seed
        }
    }

    /// How many frames met each fault in one direction.
    public struct Counters: Equatable, Sendable {
        /// Frames that entered the injector.
        public var frames = 0
        /// Frames dropped.
        public var lost = 0
        /// Frames delivered twice.
        public var duplicated = 0
        /// Frames held back behind the next one.
        public var reordered = 0
        /// Frames with a flipped bit.
        public var corrupted = 0

        /// All zero.
        public init() {}
    }

    /// The wrapped device.
    public let base: Base
    /// The faults applied.
    public let faults: Faults
    /// What happened to frames this side transmitted.
    public var transmitCounters: Counters { transmitPath.counters }
    /// What happened to frames received from the base device.
    public var receiveCounters: Counters { receivePath.counters }

    private var transmitPath: Path
    private var receivePath: Path
    /// Frames already through the receive path, waiting for ``receive(into:)``.
    private var receivedFrames: [[UInt8]] = []

    /// Wraps `base`.
    public init(_ base: Base, faults: Faults) {
        self.base = base
        self.faults = faults
        // Each direction has its own generator, so one direction's traffic does not change the
        // other's faults.
        transmitPath = Path(seed: faults.seed ^ 0x7452_414E_534D_4954)  // "tRANSMIT"
        receivePath = Path(seed: faults.seed ^ 0x7245_4345_4956_4521)  // "rECEIVE!"
    }

    /// The base device's address.
    public var macAddress: MACAddress { base.macAddress }
    /// The base device's MTU.
    public var mtu: Int { base.mtu }

    /// Receives the next frame that survives the receive path's faults.
    public func receive(into buffer: inout [UInt8]) async throws(NetError) -> Int {
        while receivedFrames.isEmpty {
            let length = try await base.receive(into: &buffer)
            guard length >= 0, length <= buffer.count else {
                throw .deviceFailure("the base device reported a \(length)-byte frame in a \(buffer.count)-byte buffer")
            }
            receivedFrames = receivePath.apply(to: Array(buffer[0..<length]), faults: faults)
        }
        let frame = receivedFrames.removeFirst()
        guard frame.count <= buffer.count else {
            throw .invalidArgument("receive buffer of \(buffer.count) bytes cannot hold a \(frame.count)-byte frame")
        }
        for index in frame.indices { buffer[index] = frame[index] }
        return frame.count
    }

    /// Transmits `frame` through the transmit path's faults.
    public func transmit(_ frame: [UInt8]) async throws(NetError) {
        for outgoing in transmitPath.apply(to: frame, faults: faults) {
            try await base.transmit(outgoing)
        }
    }

    /// Transmits the frame the transmit path holds back, if any.
    public func flush() async throws(NetError) {
        if let held = transmitPath.takeHeld() {
            for _ in 0..<held.copies { try await base.transmit(held.frame) }
        }
    }

    /// A frame held back for reordering, with how many times it is to be delivered.
    struct HeldFrame {
        var frame: [UInt8]
        var copies: Int
    }

    /// One direction's generator, held frame and counters.
    struct Path {
        var random: SplitMix64
        var held: HeldFrame?
        var counters = Counters()

        init(seed: UInt64) { random = SplitMix64(seed: seed) }

        /// Decides `frame`'s fate; returns the frames to deliver now, in order.
        mutating func apply(to frame: [UInt8], faults: Faults) -> [[UInt8]] {
            counters.frames += 1
            // Every frame draws the same four numbers, so one fault's rate does not shift the
            // sequence another fault sees.
            let lose = random.happens(perMillion: faults.lossPerMillion)
            let corrupt = random.happens(perMillion: faults.corruptPerMillion)
            let reorder = random.happens(perMillion: faults.reorderPerMillion)
            let duplicate = random.happens(perMillion: faults.duplicatePerMillion)
            if lose {
                counters.lost += 1
                return []
            }
            var frame = frame
            if corrupt && frame.count > 14 {
                let position = 14 + Int(truncatingIfNeeded: random.next() % UInt64(frame.count - 14))
                let bit = UInt8(truncatingIfNeeded: random.next() & 7)
                frame[position] ^= 1 << bit
                counters.corrupted += 1
            }
            if duplicate { counters.duplicated += 1 }
            let copies = duplicate ? 2 : 1
            if reorder && held == nil {
                counters.reordered += 1
                held = HeldFrame(frame: frame, copies: copies)
                return []
            }
            var deliver = [[UInt8]](repeating: frame, count: copies)
            if let earlier = takeHeld() {
                for _ in 0..<earlier.copies { deliver.append(earlier.frame) }
            }
            return deliver
        }

        mutating func takeHeld() -> HeldFrame? {
            defer { held = nil }
            return held
        }
    }
}
