import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A disk held in memory: for tests, and for images baked into a unikernel.
///
/// Copies share the same sectors (it is a reference to one disk), as two handles to one
/// device would.
public struct MemoryBlock: BlockDevice {
    final class Storage {
        var bytes: [UInt8]
        init(bytes: [UInt8]) { self.bytes = bytes }
    }

    let storage: Storage
    public let info: BlockInfo

    /// A zeroed disk of `sectorCount` sectors of `sectorSize` bytes.
    public init(sectorCount: Int, sectorSize: Int = 512, isWritable: Bool = true) {
        storage = Storage(bytes: [UInt8](repeating: 0, count: sectorCount * sectorSize))
        info = BlockInfo(sectorSize: sectorSize, sectorCount: UInt64(sectorCount), isWritable: isWritable)
    }

    /// A disk holding `bytes`, padded with zeroes to whole sectors.
    public init(bytes: [UInt8], sectorSize: Int = 512, isWritable: Bool = true) {
        var padded = bytes
        let remainder = padded.count % sectorSize
        if remainder != 0 { padded.append(contentsOf: [UInt8](repeating: 0, count: sectorSize - remainder)) }
        storage = Storage(bytes: padded)
        info = BlockInfo(sectorSize: sectorSize, sectorCount: UInt64(padded.count / sectorSize), isWritable: isWritable)
    }

    /// The whole disk's bytes, as they are now.
    public var bytes: [UInt8] { storage.bytes }

    public func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        try info.validate(sector: sector, byteCount: buffer.count)
        let start = Int(sector) * info.sectorSize
        buffer.replaceSubrange(0..<buffer.count, with: storage.bytes[start..<(start + buffer.count)])
    }

    public func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) {
        guard info.isWritable else { throw .readOnly }
        try info.validate(sector: sector, byteCount: bytes.count)
        let start = Int(sector) * info.sectorSize
        storage.bytes.replaceSubrange(start..<(start + bytes.count), with: bytes)
    }
}
