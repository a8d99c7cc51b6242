import CSwiftletVirtio

/// One buffer of a descriptor chain: its physical address (memory is identity-mapped, so a
/// pointer's value), its length, and whether the device writes it.
struct VirtqueueBuffer {
    var address: UInt64
    var length: UInt32
    var isDeviceWritable: Bool
}

/// A buffer chain the device has finished with: the head descriptor that was published, and
/// how many bytes the device says it wrote (untrusted: callers check it).
struct UsedBuffer {
    var head: UInt16
    var length: UInt32
}

/// A split virtqueue (virtio 1.x, section 2.7) in one page-aligned allocation, laid out as
/// legacy devices require: the descriptor table, the available ring, then the used ring on the
/// next page. Modern devices take the three addresses separately and accept this layout too.
///
/// The device reads the descriptors and the available ring and writes the used ring; every
/// access to that memory is volatile. What we need to trust (which descriptors are free, how
/// chains are linked) lives in Swift arrays the device cannot reach, so nothing the device
/// writes can make us trap or free a descriptor twice.
struct Virtqueue {
    /// The queue's index on its device (what a notification names).
    let index: UInt16
    /// The number of descriptors, a power of two.
    let size: UInt16
    /// Physical addresses of the three parts.
    let descriptorTable: UInt64
    let availableRing: UInt64
    let usedRing: UInt64
    /// Where a notification is written (set by the transport; unused by virtio-mmio).
    var notifyAddress: UInt64 = 0

    private var freeDescriptors: [UInt16]
    /// `next` of each descriptor in a chain we built, and the length of the chain at its head
    /// (0: not in flight).
    private var chainNext: [UInt16]
    private var chainLength: [UInt16]
    /// Our copy of the available index, and the next used entry we have not looked at.
    private var availableIndex: UInt16 = 0
    private var usedIndex: UInt16 = 0

    private static let pageSize = 4096
    private static let descriptorSize: UInt64 = 16
    private static let nextFlag: UInt16 = 1        // VIRTQ_DESC_F_NEXT
    private static let writeFlag: UInt16 = 2       // VIRTQ_DESC_F_WRITE
    private static let noInterruptFlag: UInt16 = 1 // VIRTQ_AVAIL_F_NO_INTERRUPT
    private static let noNotifyFlag: UInt16 = 1    // VIRTQ_USED_F_NO_NOTIFY

    /// The bytes a legacy queue of `size` descriptors occupies with 4 KiB alignment.
    static func byteCount(size: Int) -> Int {
        align(16 * size + 6 + 2 * size) + align(6 + 8 * size)
    }

    private static func align(_ value: Int) -> Int { (value + pageSize - 1) & ~(pageSize - 1) }

    /// A zeroed queue of `size` descriptors (a power of two, at most 32768).
    /// With `wantsInterrupts` false the device is asked not to interrupt for this queue (we poll
    /// it when we need to: transmit completions, block requests).
    init(index: UInt16, size: UInt16, wantsInterrupts: Bool) {
        let count = Int(size)
        let bytes = Self.byteCount(size: count)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Self.pageSize)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        self.index = index
        self.size = size
        descriptorTable = UInt64(UInt(bitPattern: memory))
        availableRing = descriptorTable + UInt64(16 * count)
        usedRing = descriptorTable + UInt64(Self.align(16 * count + 6 + 2 * count))
        freeDescriptors = (0..<size).reversed()
        chainNext = Array(repeating: 0, count: count)
        chainLength = Array(repeating: 0, count: count)
        if !wantsInterrupts { swiftlet_write16(availableRing, Self.noInterruptFlag) }
    }

    /// How many descriptors are free.
    var freeCount: Int { freeDescriptors.count }

    /// Builds a chain of `count` buffers and makes it available to the device; returns its head,
    /// or nil if fewer than `count` descriptors are free. `describe(position, descriptor)` gives
    /// the buffer at each position of the chain (the descriptor index lets a caller keep one
    /// buffer per descriptor).
    mutating func add(count: Int, _ describe: (Int, UInt16) -> VirtqueueBuffer) -> UInt16? {
        guard count > 0, freeDescriptors.count >= count else { return nil }
        // Built from the tail, so each descriptor knows its successor when it is written.
        var head: UInt16 = 0
        for position in (0..<count).reversed() {
            let id = freeDescriptors.removeLast()
            let isLast = position == count - 1
            let buffer = describe(position, id)
            let at = descriptorTable + UInt64(id) * Self.descriptorSize
            swiftlet_write64(at, buffer.address)
            swiftlet_write32(at + 8, buffer.length)
            swiftlet_write16(at + 12, (buffer.isDeviceWritable ? Self.writeFlag : 0) | (isLast ? 0 : Self.nextFlag))
            swiftlet_write16(at + 14, isLast ? 0 : head)
            chainNext[Int(id)] = isLast ? 0 : head
            head = id
        }
        chainLength[Int(head)] = UInt16(count)
        // The ring entry, then (after a barrier) the index that hands it to the device.
        swiftlet_write16(availableRing + 4 + 2 * UInt64(availableIndex % size), head)
        swiftlet_memory_barrier()
        availableIndex &+= 1
        swiftlet_write16(availableRing + 2, availableIndex)
        return head
    }

    /// Whether the device wants a notification for what was just added (it sets NO_NOTIFY in
    /// the used ring while it is already processing the queue).
    func needsNotification() -> Bool {
        swiftlet_memory_barrier()  // our index store before the flag load
        return swiftlet_read16(usedRing) & Self.noNotifyFlag == 0
    }

    /// Whether the device has returned buffers we have not popped yet.
    var hasUsedBuffers: Bool { swiftlet_read16(usedRing + 2) != usedIndex }

    /// The next chain the device has finished with, its descriptors freed; nil when there is
    /// none. Entries naming a descriptor that is not the head of a chain in flight are skipped.
    mutating func popUsed() -> UsedBuffer? {
        while hasUsedBuffers {
            swiftlet_memory_barrier()  // the index load before the entry loads
            let entry = usedRing + 4 + 8 * UInt64(usedIndex % size)
            let id = swiftlet_read32(entry)
            let length = swiftlet_read32(entry + 4)
            usedIndex &+= 1
            guard id < UInt32(size), chainLength[Int(id)] != 0 else { continue }
            free(chainFrom: UInt16(id))
            return UsedBuffer(head: UInt16(id), length: length)
        }
        return nil
    }

    private mutating func free(chainFrom head: UInt16) {
        var id = head
        for _ in 0..<chainLength[Int(head)] {
            freeDescriptors.append(id)
            id = chainNext[Int(id)]
        }
        chainLength[Int(head)] = 0
    }
}
