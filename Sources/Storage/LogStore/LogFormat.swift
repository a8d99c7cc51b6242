import SwiftletDevices

/// The on-disk layout of a ``LogStore`` (see the design notes at the top of `LogStore.swift`).
/// All integers are little-endian.
enum LogFormat {
    /// Sectors 0 and 1 hold the two superblock copies; the log regions follow.
    static let superblockSectors: UInt64 = 2
    /// The smallest log region worth having.
    static let minimumRegionSectors: UInt64 = 2
    /// Sectors must hold a superblock and a record header.
    static let minimumSectorSize = 128
    /// The format version this code writes and reads.
    static let version: UInt32 = 1
    /// The largest value, in bytes.
    static let maximumValueLength = 16 * 1024 * 1024
    /// The longest key, in bytes of its `/a/b` form.
    static let maximumKeyLength = 1024

    /// "SWLTKVLG": a Swiftlet key-value log.
    static let superblockMagic: [UInt8] = [0x53, 0x57, 0x4C, 0x54, 0x4B, 0x56, 0x4C, 0x47]
    /// "SWLR" read as a little-endian word.
    static let recordMagic: UInt32 = 0x524C_5753
    /// Bytes of a record header.
    static let headerSize = 40
    /// Where the header's checksum sits.
    static let headerChecksumOffset = 36
    /// Bytes of a superblock, checksum included.
    static let superblockSize = 68
    /// Where the superblock's checksum sits (it covers the bytes before it).
    static let superblockChecksumOffset = 64

    /// The sectors a record of `byteCount` bytes (header included) occupies.
    static func sectors(forBytes byteCount: Int, sectorSize: Int) -> UInt64 {
        UInt64((byteCount + sectorSize - 1) / sectorSize)
    }

    /// The sectors of a record with keys and a value of these lengths.
    static func recordSectors(keyLength: Int, destinationLength: Int, valueLength: Int, sectorSize: Int) -> UInt64 {
        sectors(forBytes: headerSize + keyLength + destinationLength + valueLength, sectorSize: sectorSize)
    }

    // MARK: Little-endian fields

    static func load32(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt32 {
        let base = bytes.startIndex + offset
        return UInt32(bytes[base]) | UInt32(bytes[base + 1]) << 8 | UInt32(bytes[base + 2]) << 16 | UInt32(bytes[base + 3]) << 24
    }

    static func load64(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt64 {
        UInt64(load32(bytes, offset)) | UInt64(load32(bytes, offset + 4)) << 32
    }

    static func store32(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    static func store64(_ value: UInt64, into bytes: inout [UInt8], at offset: Int) {
        for index in 0..<8 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }

    /// Copies `source` into `buffer` from `offset` (which must have room).
    static func copy(_ source: [UInt8], into buffer: inout [UInt8], at offset: Int) {
        guard !source.isEmpty else { return }
        buffer.withUnsafeMutableBytes { target in
            source.withUnsafeBytes { from in
                (target.baseAddress! + offset).copyMemory(from: from.baseAddress!, byteCount: from.count)
            }
        }
    }
}

/// One copy of the store's root: which region holds the live log and with which epoch.
///
/// Layout: magic (8), version (4), sector size (4), region sectors (8), sequence (8), active
/// region (4), reserved (4), active epoch (8), next epoch (8), base records (8), CRC-32C of
/// the preceding 64 bytes (4). The rest of the sector is zero.
struct Superblock: Equatable {
    /// Sectors in each of the two log regions.
    var regionSectors: UInt64
    /// Bumped on every superblock write; the valid copy with the highest wins.
    var sequence: UInt64
    /// 0 or 1: the region that holds the log.
    var activeRegion: Int
    /// The epoch every record of the active log carries.
    var activeEpoch: UInt64
    /// An epoch no record has ever been written with: the next compaction's.
    var nextEpoch: UInt64
    /// How many records the compaction that made this log wrote: a log that ends before
    /// them is damaged (a crash cannot cut them short, the superblock is written after them).
    var baseRecords: UInt64

    /// What a superblock sector holds.
    enum Parsed {
        /// A superblock of this format that checks out.
        case valid(Superblock)
        /// All zero: never written.
        case blank
        /// Our magic, but unusable: the text says why.
        case damaged(String)
        /// Something else entirely.
        case foreign
    }

    /// The superblock's sector.
    func encoded(sectorSize: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: sectorSize)
        for (index, byte) in LogFormat.superblockMagic.enumerated() { bytes[index] = byte }
        LogFormat.store32(LogFormat.version, into: &bytes, at: 8)
        LogFormat.store32(UInt32(truncatingIfNeeded: sectorSize), into: &bytes, at: 12)
        LogFormat.store64(regionSectors, into: &bytes, at: 16)
        LogFormat.store64(sequence, into: &bytes, at: 24)
        LogFormat.store32(UInt32(truncatingIfNeeded: activeRegion), into: &bytes, at: 32)
        LogFormat.store64(activeEpoch, into: &bytes, at: 40)
        LogFormat.store64(nextEpoch, into: &bytes, at: 48)
        LogFormat.store64(baseRecords, into: &bytes, at: 56)
        let checksum = CRC32C.checksum(Array(bytes[0..<LogFormat.superblockChecksumOffset]))
        LogFormat.store32(checksum, into: &bytes, at: LogFormat.superblockChecksumOffset)
        return bytes
    }

    /// Reads the superblock in `sector`, checking it against the device it is on.
    static func parse(_ sector: ArraySlice<UInt8>, slot: Int, info: BlockInfo) -> Parsed {
        guard sector.count >= LogFormat.superblockSize else { return .foreign }
        guard sector.prefix(8).elementsEqual(LogFormat.superblockMagic) else {
            return sector.allSatisfy { $0 == 0 } ? .blank : .foreign
        }
        let version = LogFormat.load32(sector, 8)
        guard version == LogFormat.version else {
            return .damaged("superblock \(slot) has format version \(version); this Swiftlet reads version \(LogFormat.version)")
        }
        var crc = CRC32C()
        crc.update(sector.prefix(LogFormat.superblockChecksumOffset))
        guard crc.value == LogFormat.load32(sector, LogFormat.superblockChecksumOffset) else { return .damaged("superblock \(slot) fails its checksum") }
        let sectorSize = LogFormat.load32(sector, 12)
        guard UInt64(sectorSize) == UInt64(info.sectorSize) else {
            return .damaged("superblock \(slot) was written for \(sectorSize)-byte sectors, the device has \(info.sectorSize)")
        }
        let regionSectors = LogFormat.load64(sector, 16)
        guard regionSectors >= LogFormat.minimumRegionSectors,
              info.sectorCount >= LogFormat.superblockSectors,
              regionSectors <= (info.sectorCount - LogFormat.superblockSectors) / 2 else {
            return .damaged("superblock \(slot) describes regions of \(regionSectors) sectors, which do not fit the device's \(info.sectorCount)")
        }
        let activeRegion = LogFormat.load32(sector, 32)
        let activeEpoch = LogFormat.load64(sector, 40)
        let nextEpoch = LogFormat.load64(sector, 48)
        guard activeRegion <= 1, nextEpoch > activeEpoch, nextEpoch < .max else {
            return .damaged("superblock \(slot) names region \(activeRegion), epochs \(activeEpoch) and \(nextEpoch)")
        }
        return .valid(Superblock(regionSectors: regionSectors, sequence: LogFormat.load64(sector, 24),
                                 activeRegion: Int(activeRegion), activeEpoch: activeEpoch, nextEpoch: nextEpoch,
                                 baseRecords: LogFormat.load64(sector, 56)))
    }
}

/// What a log record does.
enum RecordKind: UInt8 {
    /// Store a value under a key.
    case set = 1
    /// Remove a value or a whole dictionary.
    case remove = 2
    /// Move a value or a whole dictionary.
    case rename = 3
}

/// The 40 bytes at the start of every record.
///
/// Layout: magic (4), kind (1), reserved (3), epoch (8), sequence (8), key length (4),
/// destination key length (4), value length (4), CRC-32C (4) of the header (with this field
/// zero), the key, the destination key and the value. Those bytes follow the header; zeroes pad
/// the record to whole sectors.
struct RecordHeader {
    var kind: RecordKind
    var epoch: UInt64
    var sequence: UInt64
    var keyLength: Int
    var destinationLength: Int
    var valueLength: Int
    var checksum: UInt32

    /// Header, keys and value: the bytes the checksum covers.
    var byteCount: Int { LogFormat.headerSize + keyLength + destinationLength + valueLength }

    /// Writes the header into the first 40 bytes of `bytes`.
    func encode(into bytes: inout [UInt8]) {
        LogFormat.store32(LogFormat.recordMagic, into: &bytes, at: 0)
        bytes[4] = kind.rawValue
        bytes[5] = 0
        bytes[6] = 0
        bytes[7] = 0
        LogFormat.store64(epoch, into: &bytes, at: 8)
        LogFormat.store64(sequence, into: &bytes, at: 16)
        LogFormat.store32(UInt32(truncatingIfNeeded: keyLength), into: &bytes, at: 24)
        LogFormat.store32(UInt32(truncatingIfNeeded: destinationLength), into: &bytes, at: 28)
        LogFormat.store32(UInt32(truncatingIfNeeded: valueLength), into: &bytes, at: 32)
        LogFormat.store32(checksum, into: &bytes, at: LogFormat.headerChecksumOffset)
    }

    /// The header at the start of `bytes`, if it is one this format could have written.
    static func parse(_ bytes: ArraySlice<UInt8>) -> RecordHeader? {
        guard bytes.count >= LogFormat.headerSize, LogFormat.load32(bytes, 0) == LogFormat.recordMagic,
              let kind = RecordKind(rawValue: bytes[bytes.startIndex + 4]) else { return nil }
        let keyLength = LogFormat.load32(bytes, 24)
        let destinationLength = LogFormat.load32(bytes, 28)
        let valueLength = LogFormat.load32(bytes, 32)
        let keyLimit = UInt32(LogFormat.maximumKeyLength)
        guard keyLength >= 1, keyLength <= keyLimit, destinationLength <= keyLimit,
              valueLength <= UInt32(LogFormat.maximumValueLength) else { return nil }
        switch kind {
        case .set: guard keyLength >= 2, destinationLength == 0 else { return nil }
        case .remove: guard destinationLength == 0, valueLength == 0 else { return nil }
        case .rename: guard destinationLength >= 1, valueLength == 0 else { return nil }
        }
        return RecordHeader(kind: kind, epoch: LogFormat.load64(bytes, 8), sequence: LogFormat.load64(bytes, 16),
                            keyLength: Int(keyLength), destinationLength: Int(destinationLength),
                            valueLength: Int(valueLength), checksum: LogFormat.load32(bytes, LogFormat.headerChecksumOffset))
    }
}

/// A record ready to be written: kind, keys in their `/a/b` form, and the value.
struct LogRecord {
    var kind: RecordKind
    var key: [UInt8]
    var destination: [UInt8] = []
    var value: [UInt8] = []

    /// The record's bytes, padded to whole sectors, with its checksum.
    func encoded(epoch: UInt64, sequence: UInt64, sectorSize: Int) -> [UInt8] {
        var header = RecordHeader(kind: kind, epoch: epoch, sequence: sequence, keyLength: key.count,
                                  destinationLength: destination.count, valueLength: value.count, checksum: 0)
        let byteCount = header.byteCount
        let sectors = Int(LogFormat.sectors(forBytes: byteCount, sectorSize: sectorSize))
        var bytes = [UInt8](repeating: 0, count: sectors * sectorSize)
        header.encode(into: &bytes)
        LogFormat.copy(key, into: &bytes, at: LogFormat.headerSize)
        LogFormat.copy(destination, into: &bytes, at: LogFormat.headerSize + key.count)
        LogFormat.copy(value, into: &bytes, at: LogFormat.headerSize + key.count + destination.count)
        var crc = CRC32C()
        crc.update(bytes[0..<byteCount])
        header.checksum = crc.value
        LogFormat.store32(header.checksum, into: &bytes, at: LogFormat.headerChecksumOffset)
        return bytes
    }

    /// How many sectors the record takes.
    func sectors(sectorSize: Int) -> UInt64 {
        LogFormat.recordSectors(keyLength: key.count, destinationLength: destination.count,
                                valueLength: value.count, sectorSize: sectorSize)
    }
}
