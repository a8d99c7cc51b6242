import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

extension BlockDevice {
    /// `count` bytes from byte `offset`, wherever they fall in sectors: the file systems' view of
    /// a disk. Reads the sectors covering the range in one request.
    /// Throws ``BlockError/outOfRange(sector:count:sectorCount:)`` past the end of the device.
    public func readBytes(at offset: UInt64, count: Int) async throws(BlockError) -> [UInt8] {
        guard count > 0 else { return [] }
        let sectorSize = UInt64(info.sectorSize)
        let first = offset / sectorSize
        let skip = Int(offset % sectorSize)
        let sectors = (skip + count + info.sectorSize - 1) / info.sectorSize
        var buffer = [UInt8](repeating: 0, count: sectors * info.sectorSize)
        try await read(at: first, into: &buffer)
        if skip == 0 && buffer.count == count { return buffer }
        return Array(buffer[skip..<(skip + count)])
    }
}
