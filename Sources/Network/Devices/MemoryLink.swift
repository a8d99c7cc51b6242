import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices
import SwiftletRuntime

/// An Ethernet cable in memory: two ``Endpoint``s, each a ``NetworkInterface``. A frame
/// transmitted on one end is received on the other, in order. Nothing touches the host, so it
/// runs on any ``RunLoop``, including a ``SimulatedPlatform``'s, deterministically.
///
/// ```swift
/// let link = MemoryLink(macA: MACAddress(2, 0, 0, 0, 0, 1), macB: MACAddress(2, 0, 0, 0, 0, 2))
/// try await link.a.transmit(frame)
/// var buffer = [UInt8](repeating: 0, count: link.b.mtu + 14)
/// let length = try await link.b.receive(into: &buffer)   // the same frame
/// ```
///
/// Each direction queues at most `capacity` frames; a frame transmitted into a full queue is
/// dropped (the newest goes, as on a congested switch port) and counted in ``Endpoint/dropped``.
public final class MemoryLink {
    /// One end of the link.
    public let a: Endpoint
    /// The other end.
    public let b: Endpoint

    /// Creates a link whose ends have addresses `macA` and `macB`.
    public init(macA: MACAddress, macB: MACAddress, mtu: Int = 1500, capacity: Int = 256) {
        let towardsA = FrameQueue(capacity: capacity)
        let towardsB = FrameQueue(capacity: capacity)
        a = Endpoint(macAddress: macA, mtu: mtu, incoming: towardsA, outgoing: towardsB)
        b = Endpoint(macAddress: macB, mtu: mtu, incoming: towardsB, outgoing: towardsA)
    }

    /// Frames dropped in either direction because the receiving end's queue was full.
    public var dropped: Int { a.dropped + b.dropped }

    /// One end of a ``MemoryLink``.
    public final class Endpoint: NetworkInterface {
        /// This end's hardware address.
        public let macAddress: MACAddress
        /// The largest IP packet a frame may carry.
        public let mtu: Int
        private let incoming: FrameQueue
        private let outgoing: FrameQueue

        init(macAddress: MACAddress, mtu: Int, incoming: FrameQueue, outgoing: FrameQueue) {
            self.macAddress = macAddress
            self.mtu = mtu
            self.incoming = incoming
            self.outgoing = outgoing
        }

        /// Frames this end transmitted that were dropped because the other end's queue was full.
        public var dropped: Int { outgoing.dropped }

        /// Frames waiting to be received on this end.
        public var pendingFrames: Int { incoming.count }

        /// Waits for the next frame from the other end.
        public func receive(into buffer: inout [UInt8]) async throws(NetError) -> Int {
            while true {
                let seen = incoming.arrivals.generation
                if let frame = incoming.first {
                    guard buffer.count >= frame.count else {
                        // Keep the frame: a caller with a bigger buffer can still have it.
                        throw .invalidArgument("receive buffer of \(buffer.count) bytes cannot hold a \(frame.count)-byte frame")
                    }
                    incoming.removeFirst()
                    for index in frame.indices { buffer[index] = frame[index] }
                    return frame.count
                }
                await incoming.arrivals.wait(after: seen)
            }
        }

        /// Queues `frame` for the other end; never waits. Frames shorter than an Ethernet
        /// header or longer than `mtu + 14` bytes are refused.
        public func transmit(_ frame: [UInt8]) async throws(NetError) {
            guard frame.count >= 14, frame.count <= mtu + 14 else {
                throw .invalidArgument("frame of \(frame.count) bytes is not an Ethernet frame of 14 to \(mtu + 14) bytes")
            }
            outgoing.append(frame)
        }
    }
}

/// The frames travelling in one direction of a ``MemoryLink``.
final class FrameQueue {
    let capacity: Int
    let arrivals = WaitQueue()
    private(set) var dropped = 0
    private var frames: [[UInt8]] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 1)
    }

    var count: Int { frames.count - head }

    var first: [UInt8]? { head < frames.count ? frames[head] : nil }

    func removeFirst() {
        guard head < frames.count else { return }
        frames[head] = []
        head += 1
        // Compact once the consumed prefix dominates, so memory stays proportional to `count`.
        if head >= 64 && head * 2 >= frames.count {
            frames.removeFirst(head)
            head = 0
        }
    }

    func append(_ frame: [UInt8]) {
        guard count < capacity else {
            dropped += 1
            return
        }
        frames.append(frame)
        arrivals.wakeAll()
    }
}
