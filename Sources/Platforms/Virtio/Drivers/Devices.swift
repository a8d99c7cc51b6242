import CSolo5ABI
import CSwiftletSolo5
import CSwiftletVirtio

// The Solo5 device calls of the virtio target. At start-up the drivers find the virtio devices
// (PCI bus 0, then the virtio-mmio devices on the command line) and attach them to the
// manifest's declarations in order, as a tender does on spt and hvt; the calls then reach the
// attached devices by handle (the manifest index).

/// What kind of virtio device, by its virtio device ID.
enum DeviceKind: Equatable {
    case network, block, entropy

    var virtioName: String {
        switch self {
        case .network: "virtio-net"
        case .block: "virtio-blk"
        case .entropy: "virtio-rng"
        }
    }
}

/// A device found by the probe, not yet initialised.
struct FoundDevice {
    enum Location {
        case pci(PCIFunction)
        case mmio(MMIOTransport)
    }

    let kind: DeviceKind
    let location: Location
}

/// An initialised device, owned by a manifest entry.
enum AttachedDevice {
    case network(VirtioNet)
    case block(VirtioBlock)
}

/// The attached devices by handle (nil where the manifest declares nothing we attached).
nonisolated(unsafe) var attachedDevices: [AttachedDevice?] = []

/// Whether some network device cannot wake the CPU, so solo5_yield sleeps at most 10 ms.
nonisolated(unsafe) var someDeviceLacksInterrupts = false

// MARK: Probe

/// The virtio-net and virtio-blk devices on PCI bus 0, in slot order.
func probePCI() -> [FoundDevice] {
    var found: [FoundDevice] = []
    for function in PCIFunction.bus0() where function.vendor == 0x1AF4 {
        let kind: DeviceKind
        switch (function.device, function.subsystem) {
        case (0x1041, _), (0x1000, 1): kind = .network  // modern, transitional
        case (0x1042, _), (0x1001, 2): kind = .block
        case (0x1044, _), (0x1005, 4): kind = .entropy
        default: continue
        }
        found.append(FoundDevice(kind: kind, location: .pci(function)))
    }
    return found
}

/// The virtio-net and virtio-blk devices among the virtio-mmio devices the hypervisor announced,
/// in command-line order.
func probeMMIO() -> [FoundDevice] {
    var found: [FoundDevice] = []
    for index in 0..<swiftlet_virtio_mmio_count() {
        var base: UInt64 = 0, size: UInt64 = 0, gsi: UInt32 = 0
        guard swiftlet_virtio_mmio_device(index, &base, &size, &gsi), size >= 0x100,
              swiftlet_map_device_memory(base, size) else { continue }
        guard swiftlet_read32(base) == MMIOTransport.magic else {
            log("virtio: no virtio-mmio device at 0x\(hex(base)) (bad magic)")
            continue
        }
        let version = swiftlet_read32(base + 0x04)
        guard version == 1 || version == 2 else {
            log("virtio: virtio-mmio at 0x\(hex(base)) has unknown version \(version)")
            continue
        }
        let kind: DeviceKind
        switch swiftlet_read32(base + 0x08) {
        case 1: kind = .network
        case 2: kind = .block
        case 4: kind = .entropy
        default: continue  // 0: an empty slot; others: devices we have no driver for
        }
        found.append(FoundDevice(kind: kind, location: .mmio(MMIOTransport(base: base, gsi: gsi, version: version))))
    }
    return found
}

// MARK: Attaching the manifest

/// Probes the devices and attaches one to each declared network and block device, in order;
/// ends the unikernel if a declared device has no hardware or fails to initialise.
@_cdecl("swiftlet_platform_devices_init")
public func swiftletPlatformDevicesInit() {
    guard let manifest = swiftlet_virtio_manifest() else { return }
    let count = min(Int(manifest.pointee.entries), Int(SOLO5_MANIFEST_MAX_ENTRIES))
    let entries = (UnsafeMutableRawPointer(manifest) + MemoryLayout<solo5_manifest>.size)
        .assumingMemoryBound(to: solo5_manifest_entry.self)
    var found = probePCI() + probeMMIO()
    attachedDevices = Array(repeating: nil, count: count)
    for index in 1..<max(count, 1) {  // entry 0 is Solo5's reserved one
        let entry = entries + index
        let kind: DeviceKind
        switch entry.pointee.type {
        case SOLO5_DEVICE_NET.rawValue: kind = .network
        case SOLO5_DEVICE_BLOCK.rawValue: kind = .block
        default: continue
        }
        let name = entryName(entry)
        guard let position = found.firstIndex(where: { $0.kind == kind }) else { failMissing(kind, name: name) }
        let device = found.remove(at: position)
        let transport = openTransport(device, for: name)
        do throws(DriverError) {
            attachedDevices[index] = try attach(device.kind, transport, to: entry, handle: index)
            entry.pointee.attached = true
        } catch {
            transport.markFailed()
            fail("\(kind == .network ? "network" : "block") device '\(name)' (\(device.kind.virtioName) on \(transport.name)): "
                + error.message)
        }
    }    // An entropy device, if there is one, is the platform's entropy source (not in the manifest).
    if let position = found.firstIndex(where: { $0.kind == .entropy }) {
        let transport = openTransport(found[position], for: "entropy")
        do throws(DriverError) {
            attachEntropy(try VirtioEntropy(transport: transport))
        } catch {
            transport.markFailed()
            log("virtio: virtio-rng on \(transport.name) not used: \(error.message)")
        }
    }
}

private func openTransport(_ device: FoundDevice, for name: String) -> VirtioTransport {
    switch device.location {
    case .mmio(let mmio):
        return .mmio(mmio)
    case .pci(let function):
        do throws(DriverError) {
            return .pci(try PCITransport.open(function))
        } catch {
            fail("device '\(name)' (\(device.kind.virtioName) on PCI \(function.name)) \(error.message)")
        }
    }
}

/// Initialises the device and fills in its manifest entry.
private func attach(_ kind: DeviceKind, _ transport: VirtioTransport, to entry: UnsafeMutablePointer<solo5_manifest_entry>,
                    handle: Int) throws(DriverError) -> AttachedDevice {
    let mode = transport.isModern ? "" : " (legacy)"
    switch kind {
    case .network:
        let net = try VirtioNet(transport: transport)
        // No MAC from the device: a locally administered one, different per boot and handle.
        let time = solo5_clock_monotonic()
        let mac = net.macAddress ?? [0x02, 0x53, 0x57, UInt8(truncatingIfNeeded: time >> 16),
                                     UInt8(truncatingIfNeeded: time >> 8), UInt8(truncatingIfNeeded: time ^ UInt64(handle))]
        entry.pointee.device.net.mac = (mac[0], mac[1], mac[2], mac[3], mac[4], mac[5])
        entry.pointee.device.net.mtu = UInt16(VirtioNet.mtu)
        if !net.wakesCPU {
            someDeviceLacksInterrupts = true
            log("virtio: \(transport.name) cannot interrupt (no MSI-X or I/O APIC input): polling every 10 ms")
        }
        log("virtio: network device '\(entryName(entry))' is virtio-net on \(transport.name)\(mode), MAC "
            + mac.map { hex($0, digits: 2) }.joined(separator: ":"))
        return .network(net)
    case .block:
        let block = try VirtioBlock(transport: transport)
        entry.pointee.device.block.capacity = block.capacity
        entry.pointee.device.block.block_size = UInt16(VirtioBlock.sectorSize)
        log("virtio: block device '\(entryName(entry))' is virtio-blk on \(transport.name)\(mode), "
            + "\(block.capacity / 512) sectors\(block.isReadOnly ? ", read-only" : "")")
        return .block(block)
    case .entropy:
        throw DriverError("is not a manifest device")
    }
}

/// The entry's name, up to its NUL.
private func entryName(_ entry: UnsafeMutablePointer<solo5_manifest_entry>) -> String {
    withUnsafeBytes(of: entry.pointee.name) { bytes in
        let length = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<length], as: UTF8.self)
    }
}

private func failMissing(_ kind: DeviceKind, name: String) -> Never {
    // QEMU's microvm lists its virtio-mmio devices on the command line only without ACPI.
    let hint = swiftlet_virtio_mmio_count() == 0 ? "; on microvm, also -M microvm,acpi=off" : ""
    switch kind {
    case .network:
        fail("network device '\(name)' has no virtio-net device: add -netdev ...,id=n0 "
            + "-device virtio-net-device,netdev=n0 (microvm) or virtio-net-pci (q35)" + hint)
    case .block:
        fail("block device '\(name)' has no virtio-blk device: add -drive file=DISK,if=none,format=raw,id=d0 "
            + "-device virtio-blk-device,drive=d0 (microvm) or virtio-blk-pci (q35)" + hint)
    case .entropy:
        fail("no virtio-rng device for '\(name)'")
    }
}

// MARK: The Solo5 calls

/// solo5_yield: polls the attached network devices and sleeps until one has input, a device
/// interrupt arrives, or `deadline`. Interrupts are off outside swiftlet_halt_until's `hlt`, so
/// an interrupt between the look and the halt ends the halt at once instead of being lost.
@_cdecl("solo5_yield")
public func solo5Yield(_ deadline: solo5_time_t, _ readySet: UnsafeMutablePointer<solo5_handle_set_t>?) {
    while true {
        var ready: solo5_handle_set_t = 0
        for (handle, device) in attachedDevices.enumerated() {
            if case .network(let net)? = device, net.hasInput() { ready |= 1 << UInt64(handle) }
        }
        let now = solo5_clock_monotonic()
        if ready != 0 || now >= deadline {
            readySet?.pointee = ready
            return
        }
        swiftlet_halt_until(someDeviceLacksInterrupts ? min(deadline, now &+ 10_000_000) : deadline)
    }
}

/// solo5_net_read: one received frame; SOLO5_R_AGAIN when there is none.
@_cdecl("solo5_net_read")
public func solo5NetRead(_ handle: solo5_handle_t, _ buffer: UnsafeMutablePointer<UInt8>?, _ size: Int,
                         _ readSize: UnsafeMutablePointer<Int>?) -> solo5_result_t {
    guard case .network(let net)? = device(handle), let buffer, let readSize else { return SOLO5_R_EINVAL }
    return net.read(into: buffer, size: size, readSize: readSize)
}

/// solo5_net_write: sends one frame of at most 1514 bytes.
@_cdecl("solo5_net_write")
public func solo5NetWrite(_ handle: solo5_handle_t, _ buffer: UnsafePointer<UInt8>?, _ size: Int) -> solo5_result_t {
    guard case .network(let net)? = device(handle), let buffer else { return SOLO5_R_EINVAL }
    return net.write(buffer, size: size)
}

/// solo5_block_read and solo5_block_write: whole sectors, one or more per call.
@_cdecl("solo5_block_read")
public func solo5BlockRead(_ handle: solo5_handle_t, _ offset: solo5_off_t, _ buffer: UnsafeMutablePointer<UInt8>?,
                           _ size: Int) -> solo5_result_t {
    guard case .block(let block)? = device(handle), let buffer else { return SOLO5_R_EINVAL }
    return block.transfer(isWrite: false, offset: offset, buffer: UnsafeMutableRawPointer(buffer), size: size)
}

@_cdecl("solo5_block_write")
public func solo5BlockWrite(_ handle: solo5_handle_t, _ offset: solo5_off_t, _ buffer: UnsafePointer<UInt8>?,
                            _ size: Int) -> solo5_result_t {
    guard case .block(let block)? = device(handle), let buffer else { return SOLO5_R_EINVAL }
    // The device only reads the buffer of a write.
    return block.transfer(isWrite: true, offset: offset, buffer: UnsafeMutableRawPointer(mutating: buffer), size: size)
}

private func device(_ handle: solo5_handle_t) -> AttachedDevice? {
    handle < UInt64(attachedDevices.count) ? attachedDevices[Int(handle)] : nil
}

// MARK: Messages

/// Writes "Swiftlet: `message`" and a newline to the console.
func log(_ message: String) {
    let line = Array(("Swiftlet: " + message + "\n").utf8)
    line.withUnsafeBufferPointer { bytes in
        bytes.withMemoryRebound(to: CChar.self) { solo5_console_write($0.baseAddress, $0.count) }
    }
}

/// Ends the unikernel with "Swiftlet: `message`" and status 1.
func fail(_ message: String) -> Never {
    var text = Array(("Swiftlet: " + message).utf8).map { CChar(bitPattern: $0) }
    text.append(0)
    text.withUnsafeBufferPointer { swiftlet_virtio_fail($0.baseAddress, 1) }
}
