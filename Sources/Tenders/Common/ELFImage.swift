import HostLibc

/// A unikernel image as a Solo5 tender sees it: a static x86_64 ELF executable, its loadable
/// segments, and the Solo5 notes (ABI1, MFT1) found the way Solo5 finds them — as the first
/// note of a `PT_NOTE` segment.
public struct ELFImage {
    /// A `PT_LOAD` segment.
    public struct Segment: Equatable {
        public var fileOffset: UInt64
        public var address: UInt64
        public var fileSize: UInt64
        public var memorySize: UInt64
        public var isReadable: Bool, isWritable: Bool, isExecutable: Bool
    }

    public let path: String
    public let bytes: [UInt8]
    public let entry: UInt64
    public let segments: [Segment]
    private let notes: [(offset: Int, size: Int)]

    /// Reads and checks `path`; throws with a message that names the problem.
    public init(path: String) throws(TenderError) {
        guard let bytes = readFile(path) else {
            throw TenderError("\(path): cannot read the unikernel image (\(String(cString: strerror(host_errno()))))")
        }
        try self.init(path: path, bytes: bytes)
    }

    public init(path: String, bytes: [UInt8]) throws(TenderError) {
        self.path = path
        self.bytes = bytes
        func invalid(_ why: String) -> TenderError { TenderError("\(path): not a Solo5 unikernel: \(why)") }
        guard bytes.count >= 64, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46] else { throw invalid("not an ELF file") }
        guard bytes[4] == 2, bytes[5] == 1 else { throw invalid("not a 64-bit little-endian ELF") }
        guard Self.u16(bytes, 16) == 2 else { throw invalid("not an executable (ET_EXEC); position-independent images are refused") }
        guard Self.u16(bytes, 18) == 62 else { throw invalid("not built for x86_64") }
        entry = Self.u64(bytes, 24)
        let tableOffset = Int(clamping: Self.u64(bytes, 32))
        let entrySize = Int(Self.u16(bytes, 54)), count = Int(Self.u16(bytes, 56))
        guard entrySize >= 56, count <= 64, tableOffset >= 0, tableOffset <= bytes.count,
              count * entrySize <= bytes.count - tableOffset else { throw invalid("bad program header table") }
        var segments: [Segment] = []
        var notes: [(offset: Int, size: Int)] = []  // same labels as the property: converting arrays of tuples needs a dynamic cast
        for index in 0..<count {
            let at = tableOffset + index * entrySize
            let type = Self.u32(bytes, at), flags = Self.u32(bytes, at + 4)
            let offset = Self.u64(bytes, at + 8), address = Self.u64(bytes, at + 16)
            let fileSize = Self.u64(bytes, at + 32), memorySize = Self.u64(bytes, at + 40)
            guard offset <= UInt64(bytes.count), fileSize <= UInt64(bytes.count) - offset else {
                throw invalid("program header \(index) reaches past the end of the file")
            }
            switch type {
            case 1 where memorySize > 0:  // PT_LOAD
                guard fileSize <= memorySize else { throw invalid("segment \(index) is larger in the file than in memory") }
                let segment = Segment(fileOffset: offset, address: address, fileSize: fileSize, memorySize: memorySize,
                                      isReadable: flags & 4 != 0, isWritable: flags & 2 != 0, isExecutable: flags & 1 != 0)
                guard !(segment.isWritable && segment.isExecutable) else {
                    throw invalid("segment \(index) is both writable and executable")
                }
                segments.append(segment)
            case 4:  // PT_NOTE
                notes.append((Int(offset), Int(fileSize)))
            default:
                break
            }
        }
        guard !segments.isEmpty else { throw invalid("nothing to load") }
        self.segments = segments.sorted { $0.address < $1.address }
        self.notes = notes
    }

    /// The end of the highest segment in memory.
    public var end: UInt64 { segments.map { $0.address + $0.memorySize }.max() ?? 0 }

    /// The descriptor of the Solo5 note of `type`, starting at `alignment` from the note's start
    /// (Solo5 aligns descriptors to their first member's alignment), or `nil` when absent.
    public func solo5Note(type: UInt32, alignment: Int) -> [UInt8]? {
        for (offset, size) in notes where size >= 20 {
            guard Self.u32(bytes, offset) == 6, Self.u32(bytes, offset + 8) == type,
                  bytes[(offset + 12)..<(offset + 18)].elementsEqual("Solo5\0".utf8) else { continue }
            let descriptorSize = Int(Self.u32(bytes, offset + 4))
            let start = (20 + alignment - 1) / alignment * alignment
            let length = descriptorSize - (start - 20)
            guard length > 0, 20 + descriptorSize <= size else { return nil }
            return Array(bytes[(offset + start)..<(offset + start + length)])
        }
        return nil
    }

    /// The ABI1 note: which target and ABI version the unikernel was built for.
    public func abi() throws(TenderError) -> (target: UInt32, version: UInt32) {
        guard let note = solo5Note(type: 0x3149_4241, alignment: 4), note.count >= 8 else {
            throw TenderError("\(path): not a Solo5 unikernel: no Solo5 ABI note")
        }
        return (Self.u32(note, 0), Self.u32(note, 4))
    }

    /// Checks that the image is built for `target` (Solo5's ABI target number) at `version`.
    public func requireABI(target: UInt32, version: UInt32) throws(TenderError) {
        let names: [UInt32: String] = [1: "hvt", 2: "spt", 3: "virtio"]
        let abi = try abi()
        let wanted = names[target] ?? "ABI target \(target)"
        guard abi.target == target else {
            throw TenderError("\(path) is built for another Solo5 target (\(names[abi.target] ?? "ABI target \(abi.target)")), not \(wanted)")
        }
        guard abi.version == version else {
            throw TenderError("\(path) uses \(wanted) ABI version \(abi.version); this tender speaks version \(version)")
        }
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
    }
    static func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
    }
}

/// A problem that stops the tender, said the way the user can act on it.
public struct TenderError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The whole contents of the file at `path`, or `nil` (with errno set).
func readFile(_ path: String) -> [UInt8]? {
    let descriptor = host_open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 { if host_errno() == EINTR { continue }; return nil }
        if count == 0 { return bytes }
        bytes += chunk[0..<count]
    }
}
