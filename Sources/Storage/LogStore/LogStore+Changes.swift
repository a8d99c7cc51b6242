import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A change to the store, as a record will describe it.
enum LogChange {
    case set(KVKey, [UInt8])
    case remove(KVKey)
    case rename(KVKey, KVKey)

    /// The change as a record.
    var record: LogRecord {
        switch self {
        case .set(let key, let value): LogRecord(kind: .set, key: Array(key.description.utf8), value: value)
        case .remove(let key): LogRecord(kind: .remove, key: Array(key.description.utf8))
        case .rename(let source, let destination):
            LogRecord(kind: .rename, key: Array(source.description.utf8), destination: Array(destination.description.utf8))
        }
    }

    /// Makes the change to a list of live values (for a compaction that folds it in).
    func apply(to values: inout [LiveValue]) throws(KVError) {
        switch self {
        case .set(let key, let value):
            values.removeAll { $0.key == key }
            values.append(LiveValue(key: key, source: .bytes(value)))
        case .remove(let key):
            values.removeAll { $0.key.segments.starts(with: key.segments) }
        case .rename(let source, let destination):
            guard source != destination else { return }
            values.removeAll { $0.key == destination }
            for position in values.indices where values[position].key.segments.starts(with: source.segments) {
                let rest = values[position].key.segments.dropFirst(source.segments.count)
                values[position].key = try KVKey(segments: destination.segments + rest)
            }
        }
    }
}

extension LogStore {
    /// Stores `value` under `key`, replacing the value there; one record on the disk.
    ///
    /// Fails with ``KVError/wrongKind(_:)`` if `key` is a dictionary (or the root) or a key on
    /// its path is a value, with ``KVError/noSpace`` if even a compacted log cannot take the
    /// new state, and with ``KVError/storageFailure(_:)`` for a value over 16 MiB.
    ///
    /// ```swift
    /// try await store.set(try KVKey("/users/ada"), Array("admin".utf8))
    /// ```
    public func set(_ key: KVKey, _ value: [UInt8]) async throws(KVError) {
        try Self.checkLength(key)
        guard value.count <= LogFormat.maximumValueLength else {
            throw .storageFailure("the value for \(key) has \(value.count) bytes; a LogStore value holds at most 16 MiB")
        }
        await mutations.lock()
        defer { mutations.unlock() }
        try checkWritable()
        try index.checkSet(key)
        try await commit(.set(key, value))
    }

    /// Removes the value under `key`, or the dictionary and everything in it (the root: the
    /// whole store), in one record. Fails with ``KVError/notFound(_:)`` if nothing is there.
    public func remove(_ key: KVKey) async throws(KVError) {
        try Self.checkLength(key)
        await mutations.lock()
        defer { mutations.unlock() }
        try checkWritable()
        try index.checkRemove(key)
        try await commit(.remove(key))
    }

    /// Moves the value or dictionary at `source` to `destination`, in one record, replacing a
    /// value at `destination`.
    ///
    /// Fails with ``KVError/notFound(_:)`` for a missing source, ``KVError/wrongKind(_:)`` if
    /// `destination` is a dictionary or a key on its path is a value, and
    /// ``KVError/invalidKey(_:)`` if `destination` lies inside `source`. Moving a key onto
    /// itself changes nothing.
    public func rename(_ source: KVKey, to destination: KVKey) async throws(KVError) {
        try Self.checkLength(source)
        try Self.checkLength(destination)
        await mutations.lock()
        defer { mutations.unlock() }
        try checkWritable()
        try index.checkRename(source, to: destination)
        if source == destination { return }
        try await commit(.rename(source, destination))
    }

    private static func checkLength(_ key: KVKey) throws(KVError) {
        let length = key.description.utf8.count
        guard length <= LogFormat.maximumKeyLength else {
            throw .invalidKey("a key of \(length) bytes; a LogStore key has at most \(LogFormat.maximumKeyLength)")
        }
    }

    private func checkWritable() throws(KVError) {
        guard block.info.isWritable else { throw .storageFailure("read-only device") }
        if let failure { throw .storageFailure(failure) }
    }

    /// Appends the change's record, or compacts with the change folded in when it does not fit.
    /// The index changes only once the record is on the disk.
    private func commit(_ change: LogChange) async throws(KVError) {
        let record = change.record
        let sectors = record.sectors(sectorSize: sectorSize)
        guard sectors <= superblock.regionSectors - tail else {
            try await compact(applying: change)
            return
        }
        let sector = regionStart(superblock.activeRegion) + tail
        try await writeDisk(at: sector, record.encoded(epoch: superblock.activeEpoch, sequence: nextSequence, sectorSize: sectorSize))
        switch change {
        case .set(let key, let value):
            let offset = sector * UInt64(sectorSize) + UInt64(LogFormat.headerSize + record.key.count)
            index.applySet(key, ValueLocation(byteOffset: offset, length: value.count))
        case .remove(let key):
            index.applyRemove(key)
        case .rename(let source, let destination):
            index.applyRename(source, to: destination)
        }
        tail += sectors
        nextSequence &+= 1
        changeCount &+= 1
    }

    /// Writes the state after `change` into the other region as fresh records, then the
    /// superblock that makes it the store.
    private func compact(applying change: LogChange) async throws(KVError) {
        var values = try index.liveValues()
        try change.apply(to: &values)
        var needed: UInt64 = 0
        for value in values {
            let keyLength = value.key.description.utf8.count
            guard keyLength <= LogFormat.maximumKeyLength else {
                throw .invalidKey("\(value.key) would be longer than \(LogFormat.maximumKeyLength) bytes")
            }
            needed += LogFormat.recordSectors(keyLength: keyLength, destinationLength: 0, valueLength: value.length, sectorSize: sectorSize)
        }
        guard needed <= superblock.regionSectors else { throw .noSpace }

        // Reserve a fresh epoch first, so no record of an attempt that crashes can ever be
        // mistaken for one of a later log.
        let epoch = superblock.nextEpoch
        var reserved = superblock
        reserved.sequence &+= 1
        reserved.nextEpoch = epoch &+ 1
        try await writeSuperblock(reserved)

        compactionsStarted &+= 1
        let target = 1 - superblock.activeRegion
        let start = regionStart(target)
        var locations: [ValueLocation] = []
        locations.reserveCapacity(values.count)
        var batch: [UInt8] = []
        var batchStart: UInt64 = 0
        var position: UInt64 = 0
        let batchLimit = 1 << 20
        for (sequence, value) in values.enumerated() {
            var record = LogRecord(kind: .set, key: Array(value.key.description.utf8))
            var digest: String? = nil
            switch value.source {
            case .bytes(let bytes): record.value = bytes
            case .disk(let location):
                record.value = try await readDisk(at: location.byteOffset, count: location.length)
                digest = location.digest
            }
            let bytes = record.encoded(epoch: epoch, sequence: UInt64(sequence), sectorSize: sectorSize)
            if !batch.isEmpty && batch.count + bytes.count > batchLimit {
                try await writeDisk(at: start + batchStart, batch)
                batch.removeAll(keepingCapacity: true)
                batchStart = position
            }
            let offset = (start + position) * UInt64(sectorSize) + UInt64(LogFormat.headerSize + record.key.count)
            locations.append(ValueLocation(byteOffset: offset, length: record.value.count, digest: digest))
            batch.append(contentsOf: bytes)
            position += UInt64(bytes.count / sectorSize)
        }
        if !batch.isEmpty { try await writeDisk(at: start + batchStart, batch) }

        var committed = reserved
        committed.sequence &+= 1
        committed.activeRegion = target
        committed.activeEpoch = epoch
        committed.baseRecords = UInt64(values.count)
        try await writeSuperblock(committed)

        index.rebuild(values, locations: locations)
        tail = position
        nextSequence = UInt64(values.count)
        changeCount &+= 1
        compactionCount += 1
    }

    /// Writes `superblock` over the older copy. If that fails, what the disk holds is unknown,
    /// so the store refuses further changes until it is reopened.
    func writeSuperblock(_ superblock: Superblock) async throws(KVError) {
        let slot = 1 - superblockSlot
        do {
            try await writeDisk(at: UInt64(slot), superblock.encoded(sectorSize: sectorSize))
        } catch {
            if case .storageFailure(let text) = error, text != "read-only device" {
                failure = "a superblock write failed (\(text)); reopen the store"
            }
            throw error
        }
        self.superblock = superblock
        superblockSlot = slot
    }
}
