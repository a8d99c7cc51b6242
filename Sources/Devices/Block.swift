/// What a block device is: its geometry and whether it can be written.
public struct BlockInfo: Hashable, Sendable {
    /// Bytes in one sector: reads and writes are whole sectors (usually 512).
    public var sectorSize: Int
    /// Number of sectors on the device.
    public var sectorCount: UInt64
    /// Whether ``BlockDevice/write(at:_:)`` is allowed.
    public var isWritable: Bool

    /// Creates a description of a device's geometry.
    public init(sectorSize: Int, sectorCount: UInt64, isWritable: Bool) {
        self.sectorSize = sectorSize
        self.sectorCount = sectorCount
        self.isWritable = isWritable
    }

    /// The size of the device in bytes.
    public var byteCount: UInt64 { UInt64(sectorSize) * sectorCount }
}

/// Why a block operation failed.
public enum BlockError: Error, Equatable, Sendable {
    /// The request reaches past the last sector.
    case outOfRange(sector: UInt64, count: Int, sectorCount: UInt64)
    /// The buffer is not a whole number of sectors.
    case misaligned(byteCount: Int, sectorSize: Int)
    /// The device was attached read-only.
    case readOnly
    /// The device is gone or failed; the text says what the platform reported.
    case deviceFailure(String)
}

extension BlockError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .outOfRange(let sector, let count, let sectorCount):
            // A run that would pass the end of the sector numbers is said as such, not as a wrapped range.
            sector > UInt64.max - UInt64(truncatingIfNeeded: count)
                ? "\(count) sectors from sector \(sector) run past the last possible sector number; the device has \(sectorCount)"
                : "sectors \(sector)..<\(sector + UInt64(truncatingIfNeeded: count)) are outside the device's \(sectorCount)"
        case .misaligned(let byteCount, let sectorSize): "\(byteCount) bytes is not a whole number of \(sectorSize)-byte sectors"
        case .readOnly: "the device is read-only"
        case .deviceFailure(let text): text
        }
    }
}

/// A sector-addressed disk (MirageOS's `Mirage_block.S`, Solo5's `solo5_block_*`).
public protocol BlockDevice {
    /// The device's geometry.
    var info: BlockInfo { get }

    /// Reads `buffer.count / sectorSize` sectors starting at `sector` into `buffer`.
    /// `buffer.count` must be a non-zero multiple of the sector size.
    func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError)

    /// Writes `bytes` (a non-zero multiple of the sector size) starting at `sector`.
    func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError)
}

extension BlockInfo {
    /// Checks that `byteCount` bytes at `sector` are whole sectors inside the device.
    /// Implementations call this first so that every device reports the same errors.
    public func validate(sector: UInt64, byteCount: Int) throws(BlockError) {
        guard sectorSize > 0, byteCount > 0, byteCount % sectorSize == 0 else {
            throw .misaligned(byteCount: byteCount, sectorSize: sectorSize)
        }
        let count = byteCount / sectorSize
        guard sector <= sectorCount, UInt64(count) <= sectorCount - sector else {
            throw .outOfRange(sector: sector, count: count, sectorCount: sectorCount)
        }
    }
}
