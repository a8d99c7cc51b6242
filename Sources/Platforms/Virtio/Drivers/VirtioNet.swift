import CSwiftletSolo5
import CSwiftletVirtio

/// A virtio-net device (virtio 1.x, section 5.1) with one receive and one transmit queue and no
/// offloads: every frame is a whole Ethernet frame behind a zeroed virtio-net header, and our
/// stack computes its own checksums.
///
/// Each descriptor owns one buffer for good (`buffer(id)`), so no bookkeeping maps descriptors to
/// buffers. The receive queue is kept full; the transmit queue is reclaimed lazily, when a frame
/// goes out, and asks the device for no interrupts.
final class VirtioNet {
    let transport: VirtioTransport
    /// The MAC address from the device's configuration, if it offers one.
    let macAddress: [UInt8]?
    /// Whether the device's interrupts wake the CPU (else solo5_yield halts for 10 ms at most).
    let wakesCPU: Bool
    /// The largest frame we send or accept: MTU 1500 plus the Ethernet header.
    static let maximumFrame = 1514
    static let mtu = 1500

    private var receiveQueue: Virtqueue
    private var transmitQueue: Virtqueue
    /// 12 bytes on modern devices, 10 on legacy ones (we never negotiate MRG_RXBUF).
    private let headerSize: Int
    private let receiveBuffers: UnsafeMutableRawPointer
    private let transmitBuffers: UnsafeMutableRawPointer

    private static let bufferStride = 1536  // ≥ header + 1514, a multiple of 64
    private static let featureMAC: UInt64 = 1 << 5

    /// Initialises the device behind `transport` and fills its receive queue.
    init(transport: VirtioTransport) throws(DriverError) {
        self.transport = transport
        let features = try transport.negotiate(wanted: Self.featureMAC)
        headerSize = transport.isModern ? 12 : 10
        wakesCPU = transport.enableInterrupts()
        let vector = wakesCPU ? 0 : noVector
        receiveQueue = try transport.makeQueue(0, wantsInterrupts: true, vector: vector)
        transmitQueue = try transport.makeQueue(1, wantsInterrupts: false, vector: noVector)
        receiveBuffers = .allocate(byteCount: Int(receiveQueue.size) * Self.bufferStride, alignment: 64)
        transmitBuffers = .allocate(byteCount: Int(transmitQueue.size) * Self.bufferStride, alignment: 64)
        macAddress = features & Self.featureMAC != 0 ? (0..<6).map { transport.config8(UInt64($0)) } : nil
        transport.finishInitialisation()
        while receiveQueue.freeCount > 0 { offerReceiveBuffer() }
        transport.notify(receiveQueue)
    }

    private func buffer(_ base: UnsafeMutableRawPointer, _ id: UInt16) -> UnsafeMutableRawPointer {
        base + Int(id) * Self.bufferStride
    }

    private func address(_ pointer: UnsafeMutableRawPointer) -> UInt64 {
        UInt64(UInt(bitPattern: pointer))
    }

    private func offerReceiveBuffer() {
        _ = receiveQueue.add(count: 1) { _, id in
            VirtqueueBuffer(address: address(buffer(receiveBuffers, id)), length: UInt32(headerSize + Self.maximumFrame),
                            isDeviceWritable: true)
        }
    }

    /// Whether received frames are waiting. Acknowledges the device's interrupt first, so a frame
    /// that arrives after this look raises a new one.
    func hasInput() -> Bool {
        transport.acknowledgeInterrupt()
        return receiveQueue.hasUsedBuffers
    }

    /// solo5_net_read: the next received frame, without its virtio-net header.
    func read(into destination: UnsafeMutablePointer<UInt8>, size: Int, readSize: UnsafeMutablePointer<Int>) -> solo5_result_t {
        while let used = receiveQueue.popUsed() {
            let length = Int(used.length)
            let frame = buffer(receiveBuffers, used.head) + headerSize
            let frameLength = length - headerSize
            defer {
                offerReceiveBuffer()
                if receiveQueue.needsNotification() { transport.notify(receiveQueue) }
            }
            // A length the device could not have written is not a frame: skip it.
            guard length >= headerSize, frameLength <= Self.maximumFrame else { continue }
            guard frameLength <= size else { return SOLO5_R_EINVAL }  // dropped, as Solo5 does
            UnsafeMutableRawPointer(destination).copyMemory(from: frame, byteCount: frameLength)
            readSize.pointee = frameLength
            return SOLO5_R_OK
        }
        return SOLO5_R_AGAIN
    }

    /// solo5_net_write: queues one frame for transmission, behind a zeroed header.
    func write(_ source: UnsafePointer<UInt8>, size: Int) -> solo5_result_t {
        guard size >= 0, size <= Self.maximumFrame else { return SOLO5_R_EINVAL }
        reclaimTransmitted()
        if transmitQueue.freeCount == 0 {
            // The device has not sent anything for a whole ring: give it a second.
            let deadline = solo5_clock_monotonic() &+ 1_000_000_000
            while transmitQueue.freeCount == 0 {
                guard solo5_clock_monotonic() < deadline else { return SOLO5_R_EUNSPEC }
                swiftlet_cpu_relax()
                reclaimTransmitted()
            }
        }
        _ = transmitQueue.add(count: 1) { _, id in
            let at = buffer(transmitBuffers, id)
            at.initializeMemory(as: UInt8.self, repeating: 0, count: headerSize)
            (at + headerSize).copyMemory(from: source, byteCount: size)
            return VirtqueueBuffer(address: address(at), length: UInt32(headerSize + size), isDeviceWritable: false)
        }
        if transmitQueue.needsNotification() { transport.notify(transmitQueue) }
        return SOLO5_R_OK
    }

    private func reclaimTransmitted() {
        while transmitQueue.popUsed() != nil {}
    }
}
