import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

extension LogStore {
    /// Opens the store on `block`: reads the superblocks, replays the log and builds the index.
    ///
    /// A blank device (both superblock sectors zero) is formatted when `formatIfBlank` is set
    /// and the device is writable. A device holding anything else fails with
    /// ``KVError/storageFailure(_:)`` rather than being overwritten. On a read-only device
    /// the store can be read, and every change fails with `.storageFailure("read-only device")`.
    ///
    /// ```swift
    /// let store = try await LogStore.open(disk)
    /// ```
    public static func open(_ block: Block, formatIfBlank: Bool = true) async throws(KVError) -> LogStore {
        let info = block.info
        let sectorSize = info.sectorSize
        guard sectorSize >= LogFormat.minimumSectorSize, sectorSize <= 1 << 20 else {
            throw .storageFailure("a LogStore needs sectors of 128 bytes to 1 MiB; the device's are \(sectorSize) bytes")
        }
        let smallest = LogFormat.superblockSectors + 2 * LogFormat.minimumRegionSectors
        guard info.sectorCount >= smallest else {
            throw .storageFailure("the device has \(info.sectorCount) sectors; a LogStore needs at least \(smallest)")
        }
        guard info.sectorCount <= UInt64.max / UInt64(sectorSize) else {
            throw .storageFailure("the device's \(info.sectorCount) sectors do not fit 64-bit byte offsets")
        }

        var head = [UInt8](repeating: 0, count: 2 * sectorSize)
        do {
            try await block.read(at: 0, into: &head)
        } catch {
            throw .storageFailure("reading the superblocks: \(describe(error))")
        }
        let copies = [Superblock.parse(head[0..<sectorSize], slot: 0, info: info),
                      Superblock.parse(head[sectorSize...], slot: 1, info: info)]

        var valid: [SuperblockCopy] = []
        var problems: [String] = []
        var blanks = 0
        for (slot, copy) in copies.enumerated() {
            switch copy {
            case .valid(let superblock): valid.append(SuperblockCopy(superblock: superblock, slot: slot))
            case .blank: blanks += 1
            case .damaged(let problem): problems.append(problem)
            case .foreign: break
            }
        }

        // The newest copy wins. Should its log be damaged inside the compacted records it
        // starts with, the older copy still names the intact log of the state before.
        valid.sort { $0.superblock.sequence > $1.superblock.sequence }
        var firstProblem: String? = nil
        for copy in valid {
            switch try await replay(block, superblock: copy.superblock, slot: copy.slot) {
            case .opened(let store): return store
            case .compactedRecordsMissing(let problem): firstProblem = firstProblem ?? problem
            }
        }
        if let firstProblem { throw .storageFailure(firstProblem) }
        if blanks == 2 {
            guard formatIfBlank else { throw .storageFailure("the device is blank and formatting was not asked for") }
            guard info.isWritable else { throw .storageFailure("the device is blank and read-only; cannot format it") }
            return try await format(block)
        }
        if !problems.isEmpty {
            throw .storageFailure("the Swiftlet store on the device is damaged: " + problems.joined(separator: "; "))
        }
        throw .storageFailure("the device is not a Swiftlet store; refusing to format it")
    }

    /// Writes an empty store: regions of half the disk each, region 0 active.
    private static func format(_ block: Block) async throws(KVError) -> LogStore {
        let info = block.info
        let regionSectors = (info.sectorCount - LogFormat.superblockSectors) / 2
        // Start above any epoch a store that lived here before left at either region's start.
        var firstEpoch: UInt64 = 1
        for region in 0..<2 {
            var sector = [UInt8](repeating: 0, count: info.sectorSize)
            do {
                try await block.read(at: LogFormat.superblockSectors + UInt64(region) * regionSectors, into: &sector)
            } catch {
                throw .storageFailure("reading the disk before formatting it: \(describe(error))")
            }
            if let header = RecordHeader.parse(sector[...]), header.epoch >= firstEpoch {
                firstEpoch = header.epoch &+ 1
            }
        }
        if firstEpoch == 0 || firstEpoch == .max { firstEpoch = 1 }
        let superblock = Superblock(regionSectors: regionSectors, sequence: 1, activeRegion: 0,
                                    activeEpoch: firstEpoch, nextEpoch: firstEpoch + 1, baseRecords: 0)
        let store = LogStore(block: block, superblock: superblock, slot: 1, index: LogIndex(), tail: 0, nextSequence: 0)
        // An empty log first, then the superblock that makes it the store.
        try await store.writeDisk(at: LogFormat.superblockSectors, [UInt8](repeating: 0, count: info.sectorSize))
        try await store.writeSuperblock(superblock)
        return store
    }

    /// What replaying a log gave.
    private enum Replay {
        case opened(LogStore)
        /// The log ends inside the records its compaction wrote: damage, not a crash.
        case compactedRecordsMissing(String)
    }

    /// Rebuilds the index from the active region's log.
    private static func replay(_ block: Block, superblock: Superblock, slot: Int) async throws(KVError) -> Replay {
        let sectorSize = block.info.sectorSize
        let start = LogFormat.superblockSectors + UInt64(superblock.activeRegion) * superblock.regionSectors
        var reader = RegionReader(block: block, start: start, length: superblock.regionSectors, sectorSize: sectorSize)
        let index = LogIndex()
        var position: UInt64 = 0
        var sequence: UInt64 = 0
        replaying: while true {
            switch try await reader.check(at: position, epoch: superblock.activeEpoch, sequence: sequence) {
            case .absent:
                break replaying
            case .damaged(let sectors):
                if case .valid = try await reader.check(at: position + sectors, epoch: superblock.activeEpoch, sequence: sequence &+ 1) {
                    throw .storageFailure("log record \(sequence) at sector \(start + position) is damaged but later records follow it; refusing to drop them")
                }
                break replaying
            case .valid(let record):
                do {
                    try apply(record, at: start + position, sectorSize: sectorSize, to: index)
                } catch {
                    throw .storageFailure("log record \(sequence) at sector \(start + position) does not apply to the records before it")
                }
                position += record.sectors
                sequence &+= 1
            }
        }
        guard sequence >= superblock.baseRecords else {
            return .compactedRecordsMissing("the log in region \(superblock.activeRegion) ends at record \(sequence), "
                + "inside the \(superblock.baseRecords) records of its compaction: it is damaged")
        }
        return .opened(LogStore(block: block, superblock: superblock, slot: slot, index: index, tail: position, nextSequence: sequence))
    }

    /// Checks a replayed record against the index built so far and applies it.
    private static func apply(_ record: ReplayedRecord, at sector: UInt64, sectorSize: Int, to index: LogIndex) throws(KVError) {
        let key = try KVKey(String(decoding: record.key, as: UTF8.self))
        switch record.header.kind {
        case .set:
            try index.checkSet(key)
            let offset = sector * UInt64(sectorSize) + UInt64(LogFormat.headerSize + record.key.count)
            index.applySet(key, ValueLocation(byteOffset: offset, length: record.header.valueLength))
        case .remove:
            try index.checkRemove(key)
            index.applyRemove(key)
        case .rename:
            let destination = try KVKey(String(decoding: record.destination, as: UTF8.self))
            try index.checkRename(key, to: destination)
            index.applyRename(key, to: destination)
        }
    }
}

/// A valid superblock and the slot it was read from.
struct SuperblockCopy {
    var superblock: Superblock
    var slot: Int
}

/// A replayed record: its header and keys (the value stays on the disk).
struct ReplayedRecord {
    var header: RecordHeader
    var key: [UInt8]
    var destination: [UInt8]
    var sectors: UInt64
}

/// Reads a log region front to back through a window of sectors, so replaying small records
/// costs one device read per window rather than one per record.
struct RegionReader<Block: BlockDevice> {
    let block: Block
    /// The region's first sector on the device.
    let start: UInt64
    /// The region's length in sectors.
    let length: UInt64
    let sectorSize: Int
    /// About 64 KiB of sectors.
    private let windowSectors: Int
    private var windowStart: UInt64 = 0
    private var window: [UInt8] = []

    init(block: Block, start: UInt64, length: UInt64, sectorSize: Int) {
        self.block = block
        self.start = start
        self.length = length
        self.sectorSize = sectorSize
        self.windowSectors = max(1, 65536 / sectorSize)
    }

    /// What the log holds at `position`.
    enum Check {
        /// A record that checks out.
        case valid(ReplayedRecord)
        /// A plausible header whose record fails its checksum; it would span `sectors`.
        case damaged(UInt64)
        /// Nothing that could be the expected record.
        case absent
    }

    /// Whether a record with `epoch` and `sequence` starts at `position` (region sectors).
    mutating func check(at position: UInt64, epoch: UInt64, sequence: UInt64) async throws(KVError) -> Check {
        guard position < length else { return .absent }
        let first = try await sectors(at: position, count: 1)
        guard let header = RecordHeader.parse(first), header.epoch == epoch, header.sequence == sequence else { return .absent }
        let sectors = LogFormat.sectors(forBytes: header.byteCount, sectorSize: sectorSize)
        guard sectors <= length - position else { return .absent }

        var headerBytes = Array(first.prefix(LogFormat.headerSize))
        LogFormat.store32(0, into: &headerBytes, at: LogFormat.headerChecksumOffset)
        var crc = CRC32C()
        crc.update(headerBytes[...])
        let namesEnd = LogFormat.headerSize + header.keyLength + header.destinationLength
        let total = header.byteCount
        var names: [UInt8] = []
        var done: UInt64 = 0
        while done < sectors {
            let count = Int(min(sectors - done, UInt64(windowSectors)))
            let chunk = try await self.sectors(at: position + done, count: count)
            let chunkStart = Int(done) * sectorSize
            let chunkEnd = chunkStart + chunk.count
            let low = max(LogFormat.headerSize, chunkStart)
            let high = min(total, chunkEnd)
            if low < high {
                let base = chunk.startIndex - chunkStart
                crc.update(chunk[(base + low)..<(base + high)])
                let namesHigh = min(namesEnd, chunkEnd)
                if low < namesHigh { names.append(contentsOf: chunk[(base + low)..<(base + namesHigh)]) }
            }
            done += UInt64(count)
        }
        guard crc.value == header.checksum else { return .damaged(sectors) }
        return .valid(ReplayedRecord(header: header, key: Array(names.prefix(header.keyLength)),
                                     destination: Array(names.dropFirst(header.keyLength)), sectors: sectors))
    }

    /// `count` sectors from `sector` (region sectors), which must lie inside the region.
    private mutating func sectors(at sector: UInt64, count: Int) async throws(KVError) -> ArraySlice<UInt8> {
        let windowCount = UInt64(window.count / sectorSize)
        if sector >= windowStart && sector + UInt64(count) <= windowStart + windowCount {
            let offset = Int(sector - windowStart) * sectorSize
            return window[offset..<(offset + count * sectorSize)]
        }
        if count <= windowSectors {
            let loaded = Int(min(UInt64(windowSectors), length - sector))
            var buffer = [UInt8](repeating: 0, count: loaded * sectorSize)
            try await read(at: sector, into: &buffer)
            window = buffer
            windowStart = sector
            return window[0..<(count * sectorSize)]
        }
        var buffer = [UInt8](repeating: 0, count: count * sectorSize)
        try await read(at: sector, into: &buffer)
        return buffer[...]
    }

    private func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(KVError) {
        do {
            try await block.read(at: start + sector, into: &buffer)
        } catch {
            throw .storageFailure("reading the log at sector \(start + sector): \(LogStore<Block>.describe(error))")
        }
    }
}
