import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A run of consecutive clusters of one file or folder.
struct FATExtent {
    /// The index of the run's first cluster within the file (0 for the file's first cluster).
    var fileCluster: Int
    /// The run's first cluster on the volume.
    var cluster: UInt32
    /// How many clusters the run holds.
    var count: Int
}

/// The allocation table of a volume: which cluster follows which.
///
/// A table of at most 128 KiB (every FAT12/FAT16 table, small FAT32 ones) is read once and kept;
/// a larger one is read 4 KiB at a time into a small cache, because a FAT32 table can be
/// hundreds of megabytes.
///
/// A class, not a struct, so that no access to it spans a suspension point.
final class FileAllocationTable<Block: BlockDevice> {
    static var wholeTableLimit: Int { 128 * 1024 }
    static var pieceSize: Int { 4096 }
    static var cachedPieces: Int { 16 }

    private struct Piece {
        var index: Int
        var bytes: [UInt8]
    }

    let block: Block
    let volume: FATVolume
    private var whole: [UInt8] = []
    private var pieces: [Piece] = []
    private var nextVictim = 0

    init(block: Block, volume: FATVolume) {
        self.block = block
        self.volume = volume
    }

    /// Reads the whole table if it is small enough to keep.
    func load() async throws(KVError) {
        guard volume.tableByteCount <= Self.wholeTableLimit else { return }
        whole = try await FATReads.read(block, at: volume.tableOffset, count: volume.tableByteCount, what: "the allocation table")
    }

    /// The table's entry for `cluster` (which must be a cluster of the volume), as a cluster
    /// number or a marker; FAT32's reserved top four bits are masked off.
    func entry(_ cluster: UInt32) async throws(KVError) -> UInt32 {
        let number = Int(cluster)
        let offset: Int
        switch volume.type {
        case .fat12: offset = number + number / 2
        case .fat16: offset = number * 2
        case .fat32: offset = number * 4
        }
        let width = volume.type == .fat32 ? 4 : 2
        guard offset >= 0, offset + width <= volume.tableByteCount else {
            throw FATVolume.failure("cluster \(number) has no entry in the allocation table")
        }
        let raw: UInt32
        if !whole.isEmpty {
            raw = Self.littleEndian(whole, at: offset, width: width)
        } else {
            let index = offset / Self.pieceSize
            let piece = try await self.piece(index)
            let inside = offset - index * Self.pieceSize
            // Entries never straddle pieces: FAT12 tables are always held whole, and 2- and
            // 4-byte entries are aligned.
            guard inside + width <= piece.count else {
                throw FATVolume.failure("cluster \(number)'s table entry lies past the allocation table")
            }
            raw = Self.littleEndian(piece, at: inside, width: width)
        }
        switch volume.type {
        case .fat12: return number & 1 == 0 ? raw & 0xFFF : raw >> 4 & 0xFFF
        case .fat16: return raw
        case .fat32: return raw & 0x0FFF_FFFF
        }
    }

    private func piece(_ index: Int) async throws(KVError) -> [UInt8] {
        for piece in pieces where piece.index == index { return piece.bytes }
        let start = index * Self.pieceSize
        let count = min(Self.pieceSize, volume.tableByteCount - start)
        let bytes = try await FATReads.read(block, at: volume.tableOffset + UInt64(start), count: count, what: "the allocation table")
        if pieces.count < Self.cachedPieces {
            pieces.append(Piece(index: index, bytes: bytes))
        } else {
            pieces[nextVictim % pieces.count] = Piece(index: index, bytes: bytes)
            nextVictim = (nextVictim + 1) % pieces.count
        }
        return bytes
    }

    private static func littleEndian(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<width {
            value |= UInt32(bytes[offset + index]) << (8 * UInt32(index))
        }
        return value
    }

    /// The runs of the chain starting at `first` that holds exactly `clusterCount` clusters.
    /// A chain that ends early, runs past that count (which every loop does), or names a
    /// cluster outside the volume is a storage failure.
    func extents(from first: UInt32, clusterCount: Int, of what: String) async throws(KVError) -> [FATExtent] {
        guard clusterCount <= Int(volume.clusterCount) else {
            throw FATVolume.failure("\(what) claims \(clusterCount) clusters, more than the volume's \(Int(volume.clusterCount))")
        }
        var extents: [FATExtent] = []
        var cluster = first
        for index in 0..<clusterCount {
            guard volume.contains(cluster: cluster) else {
                throw FATVolume.failure("\(what): cluster \(index) is \(Int(truncatingIfNeeded: cluster)), outside the volume")
            }
            Self.append(cluster, index: index, to: &extents)
            let next = try await entry(cluster)
            if index == clusterCount - 1 {
                guard next >= volume.endOfChain else {
                    throw FATVolume.failure("\(what): the cluster chain is longer than its \(clusterCount) clusters")
                }
            } else {
                guard next < volume.endOfChain else {
                    throw FATVolume.failure("\(what): the cluster chain ends after \(index + 1) of \(clusterCount) clusters")
                }
                cluster = next
            }
        }
        return extents
    }

    /// The runs of a folder's chain, which has no recorded length: it ends at the end marker,
    /// and more than `limit` clusters (a loop, or a folder over the specification's 65,536
    /// entries) is a storage failure.
    func extents(ofFolderFrom first: UInt32, limit: Int, of what: String) async throws(KVError) -> [FATExtent] {
        var extents: [FATExtent] = []
        var cluster = first
        var index = 0
        while true {
            guard volume.contains(cluster: cluster) else {
                throw FATVolume.failure("\(what): cluster \(index) is \(Int(truncatingIfNeeded: cluster)), outside the volume")
            }
            guard index < limit else { throw FATVolume.failure("\(what): the cluster chain loops or is too long") }
            Self.append(cluster, index: index, to: &extents)
            let next = try await entry(cluster)
            if next >= volume.endOfChain { return extents }
            cluster = next
            index += 1
        }
    }

    private static func append(_ cluster: UInt32, index: Int, to extents: inout [FATExtent]) {
        if let last = extents.last, UInt64(last.cluster) + UInt64(last.count) == UInt64(cluster) {
            extents[extents.count - 1].count += 1
        } else {
            extents.append(FATExtent(fileCluster: index, cluster: cluster, count: 1))
        }
    }
}

/// Device reads that report failures as key-value errors.
enum FATReads {
    static func read<Block: BlockDevice>(_ block: Block, at offset: UInt64, count: Int, what: String) async throws(KVError) -> [UInt8] {
        do {
            return try await block.readBytes(at: offset, count: count)
        } catch {
            throw FATVolume.failure("cannot read \(what) at byte \(Int(truncatingIfNeeded: offset)): \(describe(error))")
        }
    }

    static func describe(_ error: BlockError) -> String {
        switch error {
        case .outOfRange(let sector, let count, let sectorCount):
            return "sectors \(Int(truncatingIfNeeded: sector))+\(count) are past the device's \(Int(truncatingIfNeeded: sectorCount))"
        case .misaligned(let byteCount, let sectorSize):
            return "\(byteCount) bytes are not whole \(sectorSize)-byte sectors"
        case .readOnly:
            return "the device is read-only"
        case .deviceFailure(let text):
            return text
        }
    }
}
