import CSwiftletVirtio

/// A function on PCI bus 0, reached through the legacy configuration ports 0xCF8/0xCFC (every
/// x86 hypervisor with PCI offers them; no ACPI or MCFG parsing needed).
struct PCIFunction {
    let slot: UInt8
    let function: UInt8

    private func select(_ offset: UInt8) {
        let address: UInt32 = 0x8000_0000 | UInt32(slot) << 11 | UInt32(function) << 8 | UInt32(offset & 0xFC)
        swiftlet_outl(0xCF8, address)
    }

    /// Configuration-space accesses at byte `offset` (naturally aligned).
    func read32(_ offset: UInt8) -> UInt32 {
        select(offset)
        return swiftlet_inl(0xCFC)
    }

    func read16(_ offset: UInt8) -> UInt16 {
        select(offset)
        return swiftlet_inw(0xCFC + UInt16(offset & 2))
    }

    func read8(_ offset: UInt8) -> UInt8 {
        select(offset)
        return swiftlet_inb(0xCFC + UInt16(offset & 3))
    }

    func write32(_ offset: UInt8, _ value: UInt32) {
        select(offset)
        swiftlet_outl(0xCFC, value)
    }

    func write16(_ offset: UInt8, _ value: UInt16) {
        select(offset)
        swiftlet_outw(0xCFC + UInt16(offset & 2), value)
    }

    /// The vendor, device and subsystem IDs (0xFFFF vendor: no function here).
    var vendor: UInt16 { read16(0x00) }
    var device: UInt16 { read16(0x02) }
    var subsystem: UInt16 { read16(0x2E) }

    /// "00:03.0", for messages.
    var name: String { "00:\(hex(slot, digits: 2)).\(function)" }

    /// Turns on memory-space decoding and bus mastering (the device's DMA into our rings).
    func enableMemoryAndBusMastering() {
        write16(0x04, read16(0x04) | 0x6)
    }

    /// The memory address BAR `index` decodes (32 or 64-bit), or nil for an I/O-port BAR, an
    /// index out of range, or a BAR the firmware left unassigned.
    func memoryBAR(_ index: UInt8) -> UInt64? {
        guard index < 6 else { return nil }
        let low = read32(0x10 + 4 * index)
        guard low & 1 == 0 else { return nil }
        var address = UInt64(low & ~0xF)
        if low & 0x6 == 0x4 {  // 64-bit: the next BAR holds the high half
            guard index < 5 else { return nil }
            address |= UInt64(read32(0x10 + 4 * (index + 1))) << 32
        }
        return address == 0 ? nil : address
    }

    /// The offsets of the capabilities with ID `id` in the capability list (bounded: a broken
    /// list cannot loop us forever).
    func capabilities(withID id: UInt8) -> [UInt8] {
        guard read16(0x06) & 0x10 != 0 else { return [] }  // status: has a capability list
        var found: [UInt8] = []
        var offset = read8(0x34) & 0xFC
        var steps = 0
        while offset >= 0x40, steps < 48 {
            if read8(offset) == id { found.append(offset) }
            offset = read8(offset + 1) & 0xFC
            steps += 1
        }
        return found
    }

    /// Every present function on bus 0: all 32 slots, and functions 1–7 of multi-function ones.
    static func bus0() -> [PCIFunction] {
        var functions: [PCIFunction] = []
        for slot in UInt8(0)..<32 {
            let first = PCIFunction(slot: slot, function: 0)
            guard first.vendor != 0xFFFF else { continue }
            functions.append(first)
            guard first.read8(0x0E) & 0x80 != 0 else { continue }
            for function in UInt8(1)..<8 {
                let other = PCIFunction(slot: slot, function: function)
                if other.vendor != 0xFFFF { functions.append(other) }
            }
        }
        return functions
    }
}

/// The MSI-X capability of a function: its table is in memory (a BAR), and entry 0 is all we use.
struct MSIX {
    private static let capabilityID: UInt8 = 0x11

    /// Points table entry 0 at SWIFTLET_DEVICE_VECTOR on this CPU, unmasked, and enables MSI-X;
    /// false if the function has no usable MSI-X capability.
    static func enableVector0(on function: PCIFunction) -> Bool {
        guard let capability = function.capabilities(withID: capabilityID).first else { return false }
        let table = function.read32(capability + 4)
        guard let bar = function.memoryBAR(UInt8(table & 7)) else { return false }
        let entry = bar &+ UInt64(table & ~7)
        guard swiftlet_map_device_memory(entry, 16) else { return false }
        let address = swiftlet_msi_address()
        swiftlet_write32(entry, UInt32(truncatingIfNeeded: address))
        swiftlet_write32(entry + 4, UInt32(truncatingIfNeeded: address >> 32))
        swiftlet_write32(entry + 8, swiftlet_msi_data())
        swiftlet_write32(entry + 12, 0)  // vector control: unmasked
        // Message control: enable (bit 15), no function mask (bit 14).
        let control = function.read16(capability + 2)
        function.write16(capability + 2, (control | 0x8000) & ~0x4000)
        return true
    }
}

/// `value` in hexadecimal, zero-padded to `digits`.
func hex<Value: BinaryInteger>(_ value: Value, digits: Int = 1) -> String {
    let text = String(value, radix: 16)
    return text.utf8.count >= digits ? text : String(repeating: "0", count: digits - text.utf8.count) + text
}
