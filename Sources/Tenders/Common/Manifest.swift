import CSolo5ABI

/// The device manifest a unikernel carries (Solo5's MFT1 note): the block and network devices
/// it declares by name. The tender attaches a host resource to each and hands the guest the
/// patched copy.
public struct Manifest {
    /// One declared device.
    public struct Device: Equatable {
        public enum Kind: UInt32 { case block = 1, network = 2 }
        public var name: String
        public var kind: Kind
    }

    /// The raw entries, entry 0 being Solo5's reserved one.
    public private(set) var entries: [solo5_manifest_entry]

    /// Parses and checks the manifest note of `image` with Solo5's rules.
    public init(image: ELFImage) throws(TenderError) {
        func invalid(_ why: String) -> TenderError { TenderError("\(image.path): the Solo5 manifest is invalid: \(why)") }
        guard let note = image.solo5Note(type: 0x3154_464d, alignment: 8) else {
            throw TenderError("\(image.path): no Solo5 manifest found in the image")
        }
        let entrySize = MemoryLayout<solo5_manifest_entry>.size
        guard note.count >= 8 else { throw invalid("too short") }
        let version = ELFImage.u32(note, 0), count = Int(ELFImage.u32(note, 4))
        guard version == 1 else { throw invalid("version \(version), expected 1") }
        guard (1...64).contains(count) else { throw invalid("\(count) entries (1 to 64 allowed)") }
        guard note.count == 8 + count * entrySize else { throw invalid("size \(note.count) does not match \(count) entries") }
        entries = (0..<count).map { index in
            note.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8 + index * entrySize, as: solo5_manifest_entry.self) }
        }
        guard entries[0].type == UInt32(SOLO5_DEVICE_RESERVED_FIRST.rawValue), entries[0].name.0 == 0 else {
            throw invalid("the first entry is not Solo5's reserved entry")
        }
        for index in entries.indices {
            let nameBytes = withUnsafeBytes(of: entries[index].name) { Array($0) }
            guard nameBytes[67] == 0 else { throw invalid("entry \(index)'s name is not terminated") }
            guard !entries[index].attached else { throw invalid("entry \(index) is already marked attached") }
            if index > 0, Device.Kind(rawValue: entries[index].type) == nil {
                throw invalid("entry \(index) has unknown device type \(entries[index].type)")
            }
        }
    }

    /// The declared devices (not the reserved entry), in handle order from 1.
    public var devices: [Device] {
        entries.dropFirst().map { Device(name: Self.name(of: $0), kind: Device.Kind(rawValue: $0.type)!) }
    }

    static func name(of entry: solo5_manifest_entry) -> String {
        withUnsafeBytes(of: entry.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// The handle (entry index) of the device called `name` of `kind`.
    public func handle(of name: String, kind: Device.Kind) -> Int? {
        entries.indices.dropFirst().first { Self.name(of: entries[$0]) == name && entries[$0].type == kind.rawValue }
    }

    /// Records a network interface as attached.
    public mutating func attachNetwork(handle: Int, descriptor: Int32, mac: [UInt8], mtu: UInt16) {
        entries[handle].attached = true
        entries[handle].backing.host_descriptor = descriptor
        withUnsafeMutableBytes(of: &entries[handle].device.net.mac) { $0.copyBytes(from: mac.prefix(6)) }
        entries[handle].device.net.mtu = mtu
    }

    /// Records a block device as attached.
    public mutating func attachBlock(handle: Int, descriptor: Int32, capacity: UInt64, blockSize: UInt16) {
        entries[handle].attached = true
        entries[handle].backing.host_descriptor = descriptor
        entries[handle].device.block.capacity = capacity
        entries[handle].device.block.block_size = blockSize
    }

    /// Devices declared but given no host resource.
    public var unattached: [Device] {
        entries.indices.dropFirst().filter { !entries[$0].attached }.map { devices[$0 - 1] }
    }

    /// The manifest as the guest reads it: header and entries.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        withUnsafeBytes(of: UInt32(1)) { result += $0 }
        withUnsafeBytes(of: UInt32(entries.count)) { result += $0 }
        for entry in entries { withUnsafeBytes(of: entry) { result += $0 } }
        return result
    }
}
