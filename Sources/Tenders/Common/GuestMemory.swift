import HostLibc

/// The guest's memory in the tender's address space. spt: at the guest's own addresses, from
/// 64 KiB (the lowest address Linux allows) up, as Solo5's spt does. hvt: anywhere, guest
/// physical address 0 at its start.
public struct GuestMemory {
    /// The guest address of the first mapped byte.
    public let base: UInt64
    public let size: UInt64
    /// Where guest address `base` is in the tender.
    public let start: UnsafeMutableRawPointer

    /// spt's memory: `megabytes` MiB, mapped at the guest's addresses.
    public init(megabytes: Int) throws(TenderError) {
        base = 0x10000
        size = UInt64(megabytes) << 20
        let mapFixedNoReplace: Int32 = 0x100000
        guard let mapped = mmap(UnsafeMutableRawPointer(bitPattern: UInt(base)), Int(size - base),
                                PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | mapFixedNoReplace, -1, 0),
              host_map_failed(mapped) == 0, UInt64(UInt(bitPattern: mapped)) == base else {
            throw TenderError("cannot map \(size >> 20) MiB of guest memory at 0x10000 (\(String(cString: strerror(host_errno()))))")
        }
        start = mapped
    }

    /// hvt's memory: `megabytes` MiB rounded down to 2 MiB (the page tables' large pages), shared
    /// with KVM, guest physical address 0 at `start`.
    public init(virtualMachineMegabytes megabytes: Int) throws(TenderError) {
        base = 0
        size = UInt64(max(megabytes / 2 * 2, 2)) << 20
        guard size <= 4 << 30 else { throw TenderError("--mem=\(megabytes): hvt guests have at most 4096 MiB") }
        guard let mapped = mmap(nil, Int(size), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0),
              host_map_failed(mapped) == 0 else {
            throw TenderError("cannot map \(size >> 20) MiB of guest memory (\(String(cString: strerror(host_errno()))))")
        }
        start = mapped
    }

    /// Whether `count` bytes at guest address `address` lie inside guest memory (strictly below its
    /// end, Solo5's rule for hypercall arguments).
    public func contains(_ address: UInt64, count: UInt64) -> Bool {
        address >= base && address < size && count < size - address
    }

    /// The tender's pointer to guest address `address`.
    public func pointer(_ address: UInt64) -> UnsafeMutableRawPointer {
        start + Int(address - base)
    }

    /// Copies `bytes` to guest address `address`.
    public func write(_ bytes: [UInt8], at address: UInt64) {
        precondition(address >= base && address + UInt64(bytes.count) <= size)
        bytes.withUnsafeBytes { pointer(address).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// Copies a value's bytes to guest address `address`.
    public func write<T>(value: T, at address: UInt64) {
        withUnsafeBytes(of: value) { write(Array($0), at: address) }
    }

    /// Loads the image's segments and gives each page-aligned range its rights (text R-X,
    /// read-only data R, data RW). Returns the end of the loaded image.
    public func load(_ image: ELFImage) throws(TenderError) -> UInt64 {
        let page: UInt64 = 4096
        var previousEnd: UInt64 = 0
        for segment in image.segments {
            let end = segment.address &+ segment.memorySize
            guard segment.address >= 0x100000, end > segment.address, end <= size, segment.address >= previousEnd else {
                throw TenderError("\(image.path): segment at 0x\(String(segment.address, radix: 16)) does not fit in guest memory "
                                  + "(0x100000 to \(size >> 20) MiB, in order, not overlapping): try a larger --mem")
            }
            previousEnd = end
            write(Array(image.bytes[Int(segment.fileOffset)..<Int(segment.fileOffset + segment.fileSize)]), at: segment.address)
        }
        for segment in image.segments {
            let from = segment.address / page * page
            let to = (segment.address + segment.memorySize + page - 1) / page * page
            var rights: Int32 = 0
            if segment.isReadable { rights |= PROT_READ }
            if segment.isWritable { rights |= PROT_WRITE }
            if segment.isExecutable { rights |= PROT_EXEC }
            guard mprotect(pointer(from), Int(to - from), rights) == 0 else {
                throw TenderError("mprotect of guest segment failed (\(String(cString: strerror(host_errno()))))")
            }
        }
        return (previousEnd + page - 1) / page * page
    }
}
