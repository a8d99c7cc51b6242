import CSwiftletVirtio

/// Device status bits (virtio 1.x, section 2.1).
enum DeviceStatus {
    static let acknowledge: UInt8 = 1
    static let driver: UInt8 = 2
    static let driverOK: UInt8 = 4
    static let featuresOK: UInt8 = 8
    static let failed: UInt8 = 128
}

/// Feature bits shared by all device types.
enum CommonFeature {
    /// The device follows virtio 1.x (little-endian, 12-byte net header, FEATURES_OK step).
    static let version1: UInt64 = 1 << 32
}

/// The MSI-X vector meaning "no interrupt".
let noVector: UInt16 = 0xFFFF

/// How a virtio device is reached: the operations drivers need, over PCI (modern
/// capabilities) or virtio-mmio (legacy version 1 or modern version 2).
enum VirtioTransport {
    case pci(PCITransport)
    case mmio(MMIOTransport)

    /// Whether the device speaks virtio 1.x (every PCI device we use, virtio-mmio version 2).
    var isModern: Bool {
        switch self {
        case .pci: true
        case .mmio(let mmio): mmio.version == 2
        }
    }

    /// "virtio-mmio at 0xfeb00e00" or "PCI 00:03.0", for messages.
    var name: String {
        switch self {
        case .pci(let pci): "PCI \(pci.function.name)"
        case .mmio(let mmio): "virtio-mmio at 0x\(hex(mmio.base))"
        }
    }

    /// The device status register (DeviceStatus bits).
    var status: UInt8 {
        switch self {
        case .pci(let pci): swiftlet_read8(pci.common + 0x14)
        case .mmio(let mmio): UInt8(truncatingIfNeeded: swiftlet_read32(mmio.base + 0x70))
        }
    }

    /// Writes the device status register; 0 resets the device.
    func setStatus(_ value: UInt8) {
        switch self {
        case .pci(let pci): swiftlet_write8(pci.common + 0x14, value)
        case .mmio(let mmio): swiftlet_write32(mmio.base + 0x70, UInt32(value))
        }
    }

    /// Resets the device and waits (briefly) until it says it has.
    func reset() {
        setStatus(0)
        for _ in 0..<1_000_000 where status != 0 { swiftlet_cpu_relax() }
    }

    /// The feature bits the device offers (the low 32 only, on legacy virtio-mmio).
    func deviceFeatures() -> UInt64 {
        switch self {
        case .pci(let pci):
            swiftlet_write32(pci.common + 0x00, 0)
            let low = swiftlet_read32(pci.common + 0x04)
            swiftlet_write32(pci.common + 0x00, 1)
            return UInt64(swiftlet_read32(pci.common + 0x04)) << 32 | UInt64(low)
        case .mmio(let mmio):
            swiftlet_write32(mmio.base + 0x14, 0)
            let low = swiftlet_read32(mmio.base + 0x10)
            guard mmio.version == 2 else { return UInt64(low) }
            swiftlet_write32(mmio.base + 0x14, 1)
            return UInt64(swiftlet_read32(mmio.base + 0x10)) << 32 | UInt64(low)
        }
    }

    /// The feature bits the driver accepts (the low 32 only, on legacy virtio-mmio).
    func setDriverFeatures(_ features: UInt64) {
        let low = UInt32(truncatingIfNeeded: features), high = UInt32(truncatingIfNeeded: features >> 32)
        switch self {
        case .pci(let pci):
            swiftlet_write32(pci.common + 0x08, 0)
            swiftlet_write32(pci.common + 0x0C, low)
            swiftlet_write32(pci.common + 0x08, 1)
            swiftlet_write32(pci.common + 0x0C, high)
        case .mmio(let mmio):
            swiftlet_write32(mmio.base + 0x24, 0)
            swiftlet_write32(mmio.base + 0x20, low)
            guard mmio.version == 2 else { return }
            swiftlet_write32(mmio.base + 0x24, 1)
            swiftlet_write32(mmio.base + 0x20, high)
        }
    }

    /// Arranges for the device's interrupts to wake the CPU: MSI-X vector 0 on PCI, the I/O APIC
    /// input on virtio-mmio. False if it cannot (the caller then polls with a bounded halt).
    func enableInterrupts() -> Bool {
        switch self {
        case .pci(let pci):
            swiftlet_write16(pci.common + 0x10, noVector)  // no configuration-change interrupts
            return MSIX.enableVector0(on: pci.function)
        case .mmio(let mmio):
            return swiftlet_route_irq(mmio.gsi)
        }
    }

    /// The largest size the device allows for queue `index` (0: no such queue).
    func maximumQueueSize(_ index: UInt16) -> UInt16 {
        switch self {
        case .pci(let pci):
            guard index < swiftlet_read16(pci.common + 0x12) else { return 0 }
            swiftlet_write16(pci.common + 0x16, index)
            return swiftlet_read16(pci.common + 0x18)
        case .mmio(let mmio):
            swiftlet_write32(mmio.base + 0x30, UInt32(index))
            return UInt16(truncatingIfNeeded: min(swiftlet_read32(mmio.base + 0x34), 0x8000))
        }
    }

    /// Gives `queue` to the device, interrupting on MSI-X `vector` (PCI); false if the device
    /// refuses it. Sets the queue's notification address.
    func activate(_ queue: inout Virtqueue, vector: UInt16) -> Bool {
        switch self {
        case .pci(let pci):
            let common = pci.common
            swiftlet_write16(common + 0x16, queue.index)
            swiftlet_write16(common + 0x18, queue.size)
            swiftlet_write16(common + 0x1A, vector)
            writeSplit(common + 0x20, queue.descriptorTable)
            writeSplit(common + 0x28, queue.availableRing)
            writeSplit(common + 0x30, queue.usedRing)
            let offset = UInt64(swiftlet_read16(common + 0x1E)) * UInt64(pci.notifyMultiplier)
            guard offset + 2 <= pci.notifyLength else { return false }
            queue.notifyAddress = pci.notify + offset
            swiftlet_write16(common + 0x1C, 1)
            return swiftlet_read16(common + 0x1C) == 1
        case .mmio(let mmio):
            let base = mmio.base
            swiftlet_write32(base + 0x30, UInt32(queue.index))
            swiftlet_write32(base + 0x38, UInt32(queue.size))
            if mmio.version == 1 {
                // Legacy: one page-aligned area named by its page number.
                swiftlet_write32(base + 0x28, 4096)  // GuestPageSize
                swiftlet_write32(base + 0x3C, 4096)  // QueueAlign
                guard queue.descriptorTable >> 12 <= UInt64(UInt32.max) else { return false }
                swiftlet_write32(base + 0x40, UInt32(queue.descriptorTable >> 12))
                return true
            }
            writeSplit(base + 0x80, queue.descriptorTable)
            writeSplit(base + 0x90, queue.availableRing)
            writeSplit(base + 0xA0, queue.usedRing)
            swiftlet_write32(base + 0x44, 1)
            return swiftlet_read32(base + 0x44) == 1
        }
    }

    /// Tells the device that `queue` has new buffers.
    func notify(_ queue: Virtqueue) {
        switch self {
        case .pci: swiftlet_write16(queue.notifyAddress, queue.index)
        case .mmio(let mmio): swiftlet_write32(mmio.base + 0x50, UInt32(queue.index))
        }
    }

    /// Acknowledges a pending virtio-mmio interrupt, so the line drops and the next used buffer
    /// raises a new edge at the I/O APIC. Call it before looking at the used rings. (MSI-X
    /// messages need no acknowledgement.)
    func acknowledgeInterrupt() {
        guard case .mmio(let mmio) = self else { return }
        let pending = swiftlet_read32(mmio.base + 0x60)
        if pending != 0 { swiftlet_write32(mmio.base + 0x64, pending) }
    }

    /// Device-specific configuration fields at byte `offset` (little-endian on every transport
    /// we drive: x86 guests only).
    func config8(_ offset: UInt64) -> UInt8 { swiftlet_read8(configBase + offset) }
    func config32(_ offset: UInt64) -> UInt32 { swiftlet_read32(configBase + offset) }

    /// A 64-bit configuration field, read as two halves until the configuration generation
    /// says no change came in between (modern devices; legacy ones have no generation).
    func config64(_ offset: UInt64) -> UInt64 {
        var value: UInt64 = 0
        for _ in 0..<100 {
            let before = generation
            value = UInt64(config32(offset + 4)) << 32 | UInt64(config32(offset))
            if generation == before { break }
        }
        return value
    }

    private var configBase: UInt64 {
        switch self {
        case .pci(let pci): pci.deviceConfig
        case .mmio(let mmio): mmio.base + 0x100
        }
    }

    private var generation: UInt32 {
        switch self {
        case .pci(let pci): UInt32(swiftlet_read8(pci.common + 0x15))
        case .mmio(let mmio): mmio.version == 2 ? swiftlet_read32(mmio.base + 0xFC) : 0
        }
    }

    /// 64-bit registers as two 32-bit stores (low first), which every transport accepts.
    private func writeSplit(_ address: UInt64, _ value: UInt64) {
        swiftlet_write32(address, UInt32(truncatingIfNeeded: value))
        swiftlet_write32(address + 4, UInt32(truncatingIfNeeded: value >> 32))
    }
}

/// A virtio-pci device's register regions, found through its vendor capabilities.
struct PCITransport {
    let function: PCIFunction
    /// Physical addresses of the common configuration, notification and device-specific
    /// configuration regions; a queue's notification address is `notify` plus its notify offset
    /// times `notifyMultiplier`, within `notifyLength`.
    let common: UInt64
    let notify: UInt64
    let notifyLength: UInt64
    let notifyMultiplier: UInt32
    let deviceConfig: UInt64

    private static let vendorCapability: UInt8 = 0x09
    private enum RegionType {
        static let common: UInt8 = 1, notify: UInt8 = 2, device: UInt8 = 4  // 3 (ISR) is for INTx: unused
    }

    /// The regions of `function`, mapped and decoded (memory space and bus mastering enabled),
    /// or an error saying what is missing.
    static func open(_ function: PCIFunction) throws(DriverError) -> PCITransport {
        var common: (UInt64, UInt64)?, notify: (UInt64, UInt64)?, device: (UInt64, UInt64)?
        var multiplier: UInt32 = 0
        for capability in function.capabilities(withID: vendorCapability) {
            let type = function.read8(capability + 3)
            // The first region of each type is the one to use (virtio 1.x, 4.1.4).
            guard (type == RegionType.common && common == nil) || (type == RegionType.notify && notify == nil)
                || (type == RegionType.device && device == nil) else { continue }
            guard let bar = function.memoryBAR(function.read8(capability + 4)) else { continue }
            let region = (bar &+ UInt64(function.read32(capability + 8)), UInt64(function.read32(capability + 12)))
            guard swiftlet_map_device_memory(region.0, region.1) else {
                throw DriverError("cannot map BAR memory at 0x\(hex(region.0))")
            }
            switch type {
            case RegionType.common: common = region
            case RegionType.notify: notify = region; multiplier = function.read32(capability + 16)
            default: device = region
            }
        }
        guard let common, common.1 >= 0x38, let notify, let device else {
            throw DriverError("has no modern virtio-pci capabilities (common, notify, device configuration)")
        }
        function.enableMemoryAndBusMastering()
        return PCITransport(function: function, common: common.0, notify: notify.0, notifyLength: notify.1,
                            notifyMultiplier: multiplier, deviceConfig: device.0)
    }
}

/// A virtio-mmio device's register window and interrupt.
struct MMIOTransport {
    let base: UInt64
    let gsi: UInt32
    /// 1: legacy (virtio 0.9.5 registers), 2: modern.
    let version: UInt32

    static let magic: UInt32 = 0x7472_6976  // "virt"
}

/// Why a device could not be used: a message for the console.
struct DriverError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension VirtioTransport {
    /// The first steps of initialisation (virtio 1.x, 3.1.1): reset, ACKNOWLEDGE, DRIVER, and
    /// the features both sides have out of `wanted` (plus VERSION_1, which a modern device must
    /// offer), confirmed with FEATURES_OK. Returns the negotiated features.
    func negotiate(wanted: UInt64) throws(DriverError) -> UInt64 {
        reset()
        setStatus(DeviceStatus.acknowledge)
        setStatus(DeviceStatus.acknowledge | DeviceStatus.driver)
        let offered = deviceFeatures()
        guard !isModern || offered & CommonFeature.version1 != 0 else {
            throw DriverError("does not offer VIRTIO_F_VERSION_1")
        }
        let features = offered & (wanted | (isModern ? CommonFeature.version1 : 0))
        setDriverFeatures(features)
        if isModern {  // legacy devices have no FEATURES_OK step
            setStatus(DeviceStatus.acknowledge | DeviceStatus.driver | DeviceStatus.featuresOK)
            guard status & DeviceStatus.featuresOK != 0 else { throw DriverError("refused our features") }
        }
        return features
    }

    /// Queue `index` with min(the device's maximum, 256) descriptors, rounded down to a power
    /// of two, handed to the device.
    func makeQueue(_ index: UInt16, wantsInterrupts: Bool, vector: UInt16) throws(DriverError) -> Virtqueue {
        let maximum = maximumQueueSize(index)
        var size: UInt16 = 256
        while size > maximum { size >>= 1 }
        guard size > 0 else { throw DriverError("has no queue \(index)") }
        var queue = Virtqueue(index: index, size: size, wantsInterrupts: wantsInterrupts)
        guard activate(&queue, vector: vector) else { throw DriverError("refused queue \(index)") }
        return queue
    }

    /// The last step: the driver is ready and the device may use its queues.
    func finishInitialisation() {
        setStatus(status | DeviceStatus.driverOK)
    }

    /// Tells the device we gave up on it.
    func markFailed() {
        setStatus(status | DeviceStatus.failed)
    }
}
