import SwiftletDevices

/// The three kinds of FAT file system. The Microsoft FAT specification decides the kind by the
/// number of data clusters alone (not by the label in the boot sector): fewer than 4085 is FAT12,
/// fewer than 65525 is FAT16, anything more is FAT32.
public enum FATVolumeType: Sendable, Equatable {
    /// 12-bit table entries; floppies and tiny volumes.
    case fat12
    /// 16-bit table entries and a fixed-size root directory.
    case fat16
    /// 28-bit table entries; the root directory is a cluster chain like any folder.
    case fat32
}

/// The geometry of a FAT volume, read from the BIOS parameter block of its boot sector and
/// checked so that every later offset computed from it stays inside the volume.
///
/// ```swift
/// let volume = try FATVolume(bootSector: try await block.readBytes(at: 0, count: 512))
/// print(volume.type, volume.clusterCount, volume.bytesPerCluster)
/// ```
public struct FATVolume: Sendable, Equatable {
    /// FAT12, FAT16 or FAT32, by cluster count.
    public let type: FATVolumeType
    /// The volume's own sector size (may differ from the device's).
    public let bytesPerSector: Int
    /// Bytes in one cluster, the unit in which files are allocated.
    public let bytesPerCluster: Int
    /// The number of data clusters; they are numbered `2 ..< clusterCount + 2`.
    public let clusterCount: UInt32
    /// Byte offset of the table that is read (the first, or FAT32's active one).
    public let tableOffset: UInt64
    /// Bytes of the table that hold entries for clusters `0 ..< clusterCount + 2`.
    public let tableByteCount: Int
    /// Byte offset of the fixed root directory (FAT12/16); unused on FAT32.
    public let rootDirectoryOffset: UInt64
    /// Bytes in the fixed root directory (FAT12/16); 0 on FAT32.
    public let rootDirectoryByteCount: Int
    /// The first cluster of the root directory (FAT32); 0 on FAT12/16.
    public let rootCluster: UInt32
    /// Byte offset of cluster 2, the first data cluster.
    public let dataOffset: UInt64
    /// The size of the whole volume in bytes, as the boot sector says.
    public let byteCount: UInt64

    /// The smallest table value that marks the end of a cluster chain.
    var endOfChain: UInt32 {
        switch type {
        case .fat12: return 0xFF8
        case .fat16: return 0xFFF8
        case .fat32: return 0x0FFF_FFF8
        }
    }

    /// Whether `cluster` names a data cluster of this volume.
    func contains(cluster: UInt32) -> Bool {
        cluster >= 2 && UInt64(cluster) < UInt64(clusterCount) + 2
    }

    /// Byte offset of data cluster `cluster` (which must satisfy ``contains(cluster:)``).
    func offset(ofCluster cluster: UInt32) -> UInt64 {
        dataOffset + UInt64(cluster - 2) * UInt64(bytesPerCluster)
    }

    /// Parses and checks the boot sector: the first 512 bytes of the volume.
    /// Throws ``KVError/storageFailure(_:)`` saying which field is wrong.
    public init(bootSector bytes: [UInt8]) throws(KVError) {
        guard bytes.count >= 512 else { throw Self.failure("the boot sector is shorter than 512 bytes") }
        guard bytes[510] == 0x55, bytes[511] == 0xAA else {
            throw Self.failure("no boot sector signature 0x55AA at byte 510")
        }
        func le16(_ offset: Int) -> UInt64 { UInt64(bytes[offset]) | UInt64(bytes[offset + 1]) << 8 }
        func le32(_ offset: Int) -> UInt64 { le16(offset) | le16(offset + 2) << 16 }

        let bytesPerSector = le16(11)
        guard bytesPerSector == 512 || bytesPerSector == 1024 || bytesPerSector == 2048 || bytesPerSector == 4096 else {
            throw Self.failure("bytes per sector is \(Int(truncatingIfNeeded: bytesPerSector)), not 512, 1024, 2048 or 4096 (byte 11)")
        }
        let sectorsPerCluster = UInt64(bytes[13])
        guard sectorsPerCluster != 0, sectorsPerCluster & (sectorsPerCluster - 1) == 0 else {
            throw Self.failure("sectors per cluster is \(Int(truncatingIfNeeded: sectorsPerCluster)), not a power of two (byte 13)")
        }
        let reservedSectors = le16(14)
        guard reservedSectors != 0 else { throw Self.failure("no reserved sectors (byte 14)") }
        let tableCount = UInt64(bytes[16])
        guard tableCount != 0 else { throw Self.failure("the volume has no allocation table (byte 16)") }
        let rootEntryCount = le16(17)
        let totalSectors = le16(19) != 0 ? le16(19) : le32(32)
        let tableSize16 = le16(22)
        let tableSectors = tableSize16 != 0 ? tableSize16 : le32(36)
        guard tableSectors != 0 else { throw Self.failure("the allocation table has no sectors (bytes 22 and 36)") }

        // All of these are at most 32-bit values multiplied by at most 16-bit ones: no overflow.
        let rootSectors = (rootEntryCount * 32 + bytesPerSector - 1) / bytesPerSector
        let firstDataSector = reservedSectors + tableCount * tableSectors + rootSectors
        guard firstDataSector < totalSectors else {
            throw Self.failure("the data region starts at sector \(Int(truncatingIfNeeded: firstDataSector)), past the volume's \(Int(truncatingIfNeeded: totalSectors)) sectors")
        }
        let clusters = (totalSectors - firstDataSector) / sectorsPerCluster
        guard clusters != 0 else { throw Self.failure("the volume has no data clusters") }
        let type: FATVolumeType = clusters < 4085 ? .fat12 : clusters < 65525 ? .fat16 : .fat32

        var activeTable: UInt64 = 0
        var rootCluster: UInt64 = 0
        let tableBytes: UInt64
        switch type {
        case .fat12, .fat16:
            guard rootEntryCount != 0 else { throw Self.failure("a FAT12/16 volume without root directory entries (byte 17)") }
            tableBytes = type == .fat12 ? ((clusters + 2) * 3 + 1) / 2 : (clusters + 2) * 2
        case .fat32:
            guard rootEntryCount == 0, tableSize16 == 0 else {
                throw Self.failure("\(Int(truncatingIfNeeded: clusters)) clusters make a FAT32 volume, but the boot sector has FAT16 fields")
            }
            // Cluster numbers 0x0FFFFFF7 and above are markers, so no data cluster may reach them.
            guard clusters <= 0x0FFF_FFF4 else { throw Self.failure("\(Int(truncatingIfNeeded: clusters)) clusters are too many for FAT32") }
            tableBytes = (clusters + 2) * 4
            let flags = le16(40)
            if flags & 0x80 != 0 {
                activeTable = flags & 0x0F
                guard activeTable < tableCount else { throw Self.failure("the active FAT \(Int(truncatingIfNeeded: activeTable)) does not exist (byte 40)") }
            }
            rootCluster = le32(44)
            guard rootCluster >= 2, rootCluster < clusters + 2 else {
                throw Self.failure("the root directory cluster \(Int(truncatingIfNeeded: rootCluster)) is outside the volume (byte 44)")
            }
        }
        guard tableBytes <= tableSectors * bytesPerSector else {
            throw Self.failure("the allocation table (\(Int(truncatingIfNeeded: tableSectors)) sectors) is too small for \(Int(truncatingIfNeeded: clusters)) clusters")
        }

        self.type = type
        self.bytesPerSector = Int(bytesPerSector)
        self.bytesPerCluster = Int(bytesPerSector * sectorsPerCluster)
        self.clusterCount = UInt32(truncatingIfNeeded: clusters)
        self.tableOffset = (reservedSectors + activeTable * tableSectors) * bytesPerSector
        self.tableByteCount = Int(tableBytes)
        self.rootDirectoryOffset = (reservedSectors + tableCount * tableSectors) * bytesPerSector
        self.rootDirectoryByteCount = Int(rootEntryCount * 32)
        self.rootCluster = UInt32(truncatingIfNeeded: rootCluster)
        self.dataOffset = firstDataSector * bytesPerSector
        self.byteCount = totalSectors * bytesPerSector
    }

    static func failure(_ what: String) -> KVError {
        .storageFailure("FAT: \(what)")
    }
}
