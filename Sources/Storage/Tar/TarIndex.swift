import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// Where a value's bytes lie in the archive.
struct TarValue {
    /// The byte offset of the first data byte on the device.
    var offset: UInt64
    /// The value's length in bytes.
    var size: Int
    /// The SHA-256 recorded by `swiftlet mkfs` (pax `SWIFTLET.sha256`), if any.
    var sha256: String?
}

/// One name in a folder's listing.
struct TarListing {
    var name: String
    var kind: KVEntryKind
}

/// What a path names in the archive.
enum TarNode {
    case value(TarValue)
    /// A folder and its children, sorted by name as UTF-8 bytes.
    case directory([TarListing])
}

/// The archive's table of contents, built by one pass over its headers: every path (segments
/// joined by `/`, the root is `""`) and what it names.
struct TarIndex {
    /// The largest pax header or GNU long name read: real ones are a few hundred bytes, and
    /// a corrupt size must not make the store allocate gigabytes.
    static let maximumMetadataSize: UInt64 = 1 << 20

    private(set) var nodes: [String: TarNode] = [:]

    /// The index key of `segments`.
    static func path(_ segments: [String]) -> String {
        segments.joined(separator: "/")
    }

    /// Reads every header of the archive on `block`, skipping file data, up to the end marker
    /// (the first zero block of the two, where GNU tar stops too) or the end of the device. Entries that are not regular files or folders, and paths with
    /// `..` segments, are left out. Throws ``KVError/storageFailure(_:)`` for a malformed archive.
    static func scan<Block: BlockDevice>(_ block: Block) async throws(KVError) -> TarIndex {
        var builder = Builder()
        let end = block.info.byteCount
        let headerSize = UInt64(TarHeader.blockSize)
        var position: UInt64 = 0
        var pax = PaxRecords()
        var longName: [UInt8]?

        // The header at `position` when it was read along with the metadata before it.
        var lookahead: [UInt8]?

        while end >= headerSize, position <= end - headerSize {
            let bytes: [UInt8]
            if let next = lookahead {
                bytes = next
                lookahead = nil
            } else {
                bytes = try await read(block, at: position, count: TarHeader.blockSize)
            }
            // One zero block ends the archive (GNU tar stops there too); the second is padding.
            guard let header = try TarHeader.decode(bytes, at: position) else { break }
            let dataStart = position + headerSize
            let kind = header.kind
            let isEntry = kind == .regularFile || kind == .directory || kind == .skipped
            var dataSize: UInt64 = 0
            if header.hasData { dataSize = isEntry ? (pax.size ?? header.size) : header.size }
            guard dataSize <= end - dataStart else {
                throw .storageFailure("tar entry at byte \(position) has \(dataSize) data bytes but the device ends at byte \(end)")
            }
            // Data is padded to whole blocks.
            let padding = (headerSize - dataSize % headerSize) % headerSize

            switch kind {
            case .paxExtended, .gnuLongName:
                guard dataSize <= maximumMetadataSize else {
                    throw .storageFailure("tar header at byte \(position) announces \(dataSize) bytes of metadata")
                }
                // The metadata and the header it describes, in one request when both are there.
                let withNext = padding + headerSize <= end - dataStart - dataSize
                let count = Int(truncatingIfNeeded: withNext ? dataSize + padding + headerSize : dataSize)
                var data = try await read(block, at: dataStart, count: count)
                if withNext {
                    lookahead = Array(data[(count - TarHeader.blockSize)...])
                    data.removeLast(count - Int(truncatingIfNeeded: dataSize))
                }
                if kind == .paxExtended {
                    try pax.parse(data, at: position)
                } else {
                    longName = TarHeader.cString(data)
                }
            case .paxGlobal:
                break
            case .regularFile, .directory, .skipped:
                let path = pax.path ?? longName ?? header.path
                if kind != .skipped, let segments = TarPath.segments(path) {
                    if kind == .directory || path.last == UInt8(ascii: "/") {
                        builder.addDirectory(segments)
                    } else if dataSize <= UInt64(Int.max) {
                        builder.addValue(segments, TarValue(offset: dataStart, size: Int(dataSize), sha256: pax.sha256))
                    }
                }
                pax = PaxRecords()
                longName = nil
            }

            // A device that ends inside the padding ends the scan.
            guard padding <= end - dataStart - dataSize else { break }
            position = dataStart + dataSize + padding
        }
        return builder.finish()
    }

    /// Whether `a` sorts before `b` compared as UTF-8 bytes (not as Unicode strings, which
    /// treat differently normalised names as equal).
    static func precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                var index = 0
                while index < common {
                    if x[index] != y[index] { return x[index] < y[index] }
                    index += 1
                }
                return x.count < y.count
            }
        }
    }

    /// `count` bytes at byte `offset` of `block`, with device errors reported as store errors.
    static func read<Block: BlockDevice>(_ block: Block, at offset: UInt64, count: Int) async throws(KVError) -> [UInt8] {
        do {
            return try await block.readBytes(at: offset, count: count)
        } catch {
            throw .storageFailure("reading \(count) bytes at byte \(offset) of the tar archive failed: \(describe(error))")
        }
    }

    private static func describe(_ error: BlockError) -> String {
        switch error {
        case .outOfRange(let sector, let count, let sectorCount):
            return "sectors \(sector)+\(count) are past the end (\(sectorCount) sectors)"
        case .misaligned(let byteCount, let sectorSize):
            return "\(byteCount) bytes are not whole \(sectorSize)-byte sectors"
        case .readOnly:
            return "the device is read-only"
        case .deviceFailure(let message):
            return message
        }
    }

    /// Collects entries in archive order; later entries win, as when tar extracts them.
    private struct Builder {
        struct Entry {
            var value: TarValue?
            /// Children in the order they appeared; sorted once at the end.
            var children: [TarListing] = []
        }

        var entries: [String: Entry] = ["": Entry()]
        /// The folder of the last value added, known to exist: archives list a folder's
        /// files together, so most values skip the walk through their parents.
        var lastFolder: String?

        /// Makes `segments` and its parents folders.
        mutating func addDirectory(_ segments: [String]) {
            add(segments, value: nil)
        }

        /// Records a value at `segments`, its parents becoming folders.
        mutating func addValue(_ segments: [String], _ value: TarValue) {
            add(segments, value: value)
        }

        /// Walks `segments` from the root making folders (a value in the way becomes a folder:
        /// the archive says something lives below it). The last segment becomes a folder when
        /// `value` is `nil`; otherwise it becomes that value, replacing an earlier value but
        /// never a folder (tar cannot replace a folder by a file either).
        private mutating func add(_ segments: [String], value: TarValue?) {
            guard let last = segments.last else { return }
            var parent = ""
            let folders = value == nil ? segments.count : segments.count - 1
            if value != nil, folders > 0 {
                let folder = segments[0..<folders].joined(separator: "/")
                if folder == lastFolder { parent = folder } else { parent = makeFolders(segments[0..<folders]) }
                lastFolder = parent
            } else {
                parent = makeFolders(segments[0..<folders])
                lastFolder = nil
            }
            guard let value else { return }
            let path = parent.isEmpty ? last : parent + "/" + last
            if let existing = entries[path] {
                if existing.value != nil { entries[path]?.value = value }
            } else {
                entries[path] = Entry(value: value)
                entries[parent]?.children.append(TarListing(name: last, kind: .value))
            }
        }

        /// Makes every prefix of `segments` a folder; returns the path of the whole.
        private mutating func makeFolders(_ segments: ArraySlice<String>) -> String {
            var parent = ""
            for segment in segments {
                let path = parent.isEmpty ? segment : parent + "/" + segment
                if let existing = entries[path] {
                    if existing.value != nil {
                        entries[path]?.value = nil
                        entries[parent]?.children.removeAll { $0.name == segment }
                        entries[parent]?.children.append(TarListing(name: segment, kind: .dictionary))
                    }
                } else {
                    entries[path] = Entry()
                    entries[parent]?.children.append(TarListing(name: segment, kind: .dictionary))
                }
                parent = path
            }
            return parent
        }

        func finish() -> TarIndex {
            var index = TarIndex()
            index.nodes.reserveCapacity(entries.count)
            for (path, entry) in entries {
                if let value = entry.value {
                    index.nodes[path] = .value(value)
                } else {
                    index.nodes[path] = .directory(entry.children.sorted { TarIndex.precedes($0.name, $1.name) })
                }
            }
            return index
        }
    }
}
