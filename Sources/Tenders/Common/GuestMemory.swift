import HostLibc

/// The guest's memory in the spt tender's own address space, at the guest's addresses: Solo5's
/// spt maps it from 64 KiB (the lowest address Linux allows) to the memory size.
public struct GuestMemory {
    public static let base: UInt64 = 0x10000
    public let size: UInt64
    let start: UnsafeMutableRawPointer

    public init(megabytes: Int) throws(TenderError) {
        size = UInt64(megabytes) << 20
        let mapFixedNoReplace: Int32 = 0x100000
        guard let mapped = mmap(UnsafeMutableRawPointer(bitPattern: UInt(Self.base)), Int(size - Self.base),
                                PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | mapFixedNoReplace, -1, 0),
              host_map_failed(mapped) == 0, UInt64(UInt(bitPattern: mapped)) == Self.base else {
            throw TenderError("cannot map \(size >> 20) MiB of guest memory at 0x10000 (\(String(cString: strerror(host_errno()))))")
        }
        start = mapped
    }

    /// Copies `bytes` to guest address `address`.
    public func write(_ bytes: [UInt8], at address: UInt64) {
        precondition(address >= Self.base && address + UInt64(bytes.count) <= size)
        bytes.withUnsafeBytes { (start + Int(address - Self.base)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
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
            guard mprotect(start + Int(from - Self.base), Int(to - from), rights) == 0 else {
                throw TenderError("mprotect of guest segment failed (\(String(cString: strerror(host_errno()))))")
            }
        }
        return (previousEnd + page - 1) / page * page
    }
}
