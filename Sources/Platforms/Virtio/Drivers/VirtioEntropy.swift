import CSwiftletSolo5
import CSwiftletVirtio

/// A virtio-rng device (virtio 1.x, section 5.4): one queue of device-writable buffers the
/// device fills with entropy from the host. Used synchronously and polled, as the block driver;
/// it becomes the platform's entropy source (`swiftlet_entropy_fill` asks it before the CPU).
final class VirtioEntropy {
    let transport: VirtioTransport
    private var queue: Virtqueue
    private let buffer: UnsafeMutableRawPointer
    private var isBroken = false
    private static let bufferSize = 64
    private static let requestTimeout: UInt64 = 5_000_000_000

    init(transport: VirtioTransport) throws(DriverError) {
        self.transport = transport
        _ = try transport.negotiate(wanted: 0)
        queue = try transport.makeQueue(0, wantsInterrupts: false, vector: noVector)
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
        transport.finishInitialisation()
    }

    /// Fills `size` bytes at `output`; false if the device stops answering.
    func fill(_ output: UnsafeMutableRawPointer, size: Int) -> Bool {
        var done = 0
        while done < size {
            guard !isBroken else { return false }
            let address = UInt64(UInt(bitPattern: buffer))
            let head = queue.add(count: 1) { _, _ in
                VirtqueueBuffer(address: address, length: UInt32(Self.bufferSize), isDeviceWritable: true)
            }
            guard let head else { return false }
            if queue.needsNotification() { transport.notify(queue) }
            let deadline = solo5_clock_monotonic() &+ Self.requestTimeout
            var written = 0
            while true {
                if let used = queue.popUsed(), used.head == head {
                    written = Int(used.length)
                    break
                }
                guard solo5_clock_monotonic() < deadline else {
                    isBroken = true
                    return false
                }
                swiftlet_cpu_relax()
            }
            let count = min(written, Self.bufferSize, size - done)
            (output + done).copyMemory(from: buffer, byteCount: count)
            done += count
        }
        return true
    }
}

/// The attached entropy device, if any.
nonisolated(unsafe) var entropyDevice: VirtioEntropy?

/// Makes `device` the platform's entropy source.
func attachEntropy(_ device: VirtioEntropy) {
    entropyDevice = device
    swiftlet_entropy_device = { buffer, size in
        guard let buffer, let device = entropyDevice else { return 0 }
        return device.fill(buffer, size: size) ? 1 : 0
    }
    log("virtio: entropy from virtio-rng on \(device.transport.name)")
}
