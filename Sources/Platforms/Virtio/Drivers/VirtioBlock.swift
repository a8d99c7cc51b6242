import CSwiftletSolo5
import CSwiftletVirtio

/// A virtio-blk device (virtio 1.x, section 5.2), used synchronously: one request at a time, a
/// chain of header, data and status, polled until the device returns it. The data moves straight
/// between the device and the caller's buffer (memory is identity-mapped).
///
/// Without VIRTIO_BLK_F_FLUSH negotiated the device writes through, so a completed write is on
/// the backing store: what the writable key-value store relies on.
final class VirtioBlock {
    let transport: VirtioTransport
    /// The capacity in bytes, and whether the device refuses writes.
    let capacity: UInt64
    let isReadOnly: Bool
    /// Addresses in virtio-blk requests count 512-byte sectors, whatever the device's block size.
    static let sectorSize = 512

    private var queue: Virtqueue
    /// The largest data buffer of one request; longer transfers are split.
    private let maximumTransfer: Int
    /// The request header (16 bytes) and, after it, the status byte the device writes.
    private let request: UnsafeMutableRawPointer
    /// Set when a request timed out: the device may still own memory, so it gets no more.
    private var isBroken = false

    private static let featureSizeMax: UInt64 = 1 << 1
    private static let featureReadOnly: UInt64 = 1 << 5
    private static let requestTimeout: UInt64 = 30_000_000_000

    /// Initialises the device behind `transport`. It never interrupts: requests are polled.
    init(transport: VirtioTransport) throws(DriverError) {
        self.transport = transport
        let features = try transport.negotiate(wanted: Self.featureSizeMax | Self.featureReadOnly)
        queue = try transport.makeQueue(0, wantsInterrupts: false, vector: noVector)
        guard queue.size >= 4 else { throw DriverError("has a queue too small for a request") }
        let sectors = transport.config64(0)
        capacity = sectors <= UInt64.max / 512 ? sectors * 512 : UInt64.max & ~511
        isReadOnly = features & Self.featureReadOnly != 0
        var maximum = 1 << 20
        if features & Self.featureSizeMax != 0 {
            maximum = max(Self.sectorSize, min(maximum, Int(transport.config32(8)) & ~(Self.sectorSize - 1)))
        }
        maximumTransfer = maximum
        request = .allocate(byteCount: 32, alignment: 16)
        transport.finishInitialisation()
    }

    /// solo5_block_read and solo5_block_write: `size` bytes at byte `offset`, both multiples of
    /// 512, between the device and `buffer`.
    func transfer(isWrite: Bool, offset: UInt64, buffer: UnsafeMutableRawPointer, size: Int) -> solo5_result_t {
        let sector = UInt64(Self.sectorSize)
        guard size > 0, size % Self.sectorSize == 0, offset % sector == 0,
              offset <= capacity, UInt64(size) <= capacity - offset else { return SOLO5_R_EINVAL }
        guard !isWrite || !isReadOnly else { return SOLO5_R_EINVAL }
        var done = 0
        while done < size {
            let length = min(size - done, maximumTransfer)
            let result = submit(isWrite: isWrite, sector: (offset + UInt64(done)) / sector, data: buffer + done, length: length)
            guard result == SOLO5_R_OK else { return result }
            done += length
        }
        return SOLO5_R_OK
    }

    private func submit(isWrite: Bool, sector: UInt64, data: UnsafeMutableRawPointer, length: Int) -> solo5_result_t {
        guard !isBroken else { return SOLO5_R_EUNSPEC }
        let header = UInt64(UInt(bitPattern: request))
        swiftlet_write32(header, isWrite ? 1 : 0)  // VIRTIO_BLK_T_OUT or VIRTIO_BLK_T_IN
        swiftlet_write32(header + 4, 0)
        swiftlet_write64(header + 8, sector)
        swiftlet_write8(header + 16, 0xFF)  // anything but the device's 0, 1 or 2
        let head = queue.add(count: 3) { position, _ in
            switch position {
            case 0: VirtqueueBuffer(address: header, length: 16, isDeviceWritable: false)
            case 1: VirtqueueBuffer(address: UInt64(UInt(bitPattern: data)), length: UInt32(length), isDeviceWritable: !isWrite)
            default: VirtqueueBuffer(address: header + 16, length: 1, isDeviceWritable: true)
            }
        }
        guard let head else { return SOLO5_R_EUNSPEC }
        if queue.needsNotification() { transport.notify(queue) }
        let deadline = solo5_clock_monotonic() &+ Self.requestTimeout
        while true {
            if let used = queue.popUsed(), used.head == head { break }
            guard solo5_clock_monotonic() < deadline else {
                isBroken = true
                return SOLO5_R_EUNSPEC
            }
            swiftlet_cpu_relax()
        }
        return swiftlet_read8(header + 16) == 0 ? SOLO5_R_OK : SOLO5_R_EUNSPEC
    }
}
