import SwiftletDevices

/// The crunch image: a folder baked into a unikernel at build time, as one read-only blob that
/// `swiftlet build` writes (`_build/crunch-LABEL.bin`) and links into the image with `.incbin`.
///
/// The format is Swiftlet's own, chosen so that the unikernel serves it where it lies (no copy,
/// no parsing beyond a check at start) and finds a key by binary search. Integers are
/// little-endian; offsets are from the start of the image.
///
/// ```
/// header (48 bytes)
///    0  magic "SWCRUNCH"
///    8  version: u32 = 1
///   12  entry count: u32 (at least 1: entry 0 is the root)
///   16  names offset: u64     24  names size: u64
///   32  data offset: u64      40  data size: u64
/// index (entry count × 64 bytes, from offset 48), one entry per folder and file:
///    0  name offset: u32 (in the names area)     4  name length: u32
///    8  kind: u32 (0 value, 1 dictionary)
///   12  end: u32, the index one past the entry's last descendant (its own index + 1 for a value)
///   16  value offset: u64 (in the data area)    24  value size: u64
///   32  SHA-256 of the value (32 bytes; zero for a dictionary)
/// names: each entry's path below the root, segments joined by "/" ("css/site.css"; "" for the root)
/// data: the values, each starting on a 16-byte boundary
/// ```
/// Entries are in path order: segment by segment, each compared as UTF-8 bytes, a folder before
/// its contents. A folder's descendants therefore follow it in one run (up to its `end`), its
/// children are found by hopping from one child's `end` to the next, and comparing joined paths
/// with "/" counted as lower than every other byte gives the same order, so lookups need no
/// splitting.
public struct CrunchImage {
    /// "SWCRUNCH".
    public static let magic: [UInt8] = Array("SWCRUNCH".utf8)
    /// The format version this reader understands.
    public static let version: UInt32 = 1
    /// Size of the header, where the index starts.
    public static let headerSize = 48
    /// Size of one index entry.
    public static let entrySize = 64
    /// Alignment of each value in the data area.
    public static let valueAlignment = 16

    /// One index entry, decoded.
    public struct Entry: Equatable {
        /// The entry's place in the index (0 is the root).
        public let index: Int
        /// Where its path is, in the whole image.
        let nameStart: Int
        let nameLength: Int
        /// Whether it is a folder.
        public let isDictionary: Bool
        /// One past the index of its last descendant.
        public let end: Int
        /// Where its value is, in the whole image.
        public let valueStart: Int
        /// The value's size in bytes.
        public let size: Int
        /// Where its SHA-256 is, in the whole image.
        let digestStart: Int
    }

    /// The whole image.
    public let bytes: UnsafeRawBufferPointer
    /// Number of entries, the root included.
    public let count: Int
    private let namesStart: Int
    private let namesEnd: Int
    private let dataStart: Int
    private let dataEnd: Int

    /// Checks the image at `bytes` (which must stay valid and unchanged while it is used): the
    /// header, every entry's name and value ranges, the order of the paths and the nesting.
    /// A malformed image throws ``KVError/storageFailure(_:)`` saying what is wrong, never traps.
    public init(_ bytes: UnsafeRawBufferPointer) throws(KVError) {
        self.bytes = bytes
        guard bytes.count >= Self.headerSize else { throw Self.failure("the image is \(bytes.count) bytes, shorter than its header") }
        for index in 0..<Self.magic.count where bytes[index] != Self.magic[index] {
            throw Self.failure("no crunch image here (bad magic)")
        }
        let version = Self.u32(bytes, 8)
        guard version == Self.version else { throw Self.failure("version \(Int(version)) is not understood (expected 1)") }
        let total = UInt64(bytes.count)
        let count = UInt64(Self.u32(bytes, 12))
        let names = (Self.u64(bytes, 16), Self.u64(bytes, 24))
        let data = (Self.u64(bytes, 32), Self.u64(bytes, 40))
        let indexEnd = UInt64(Self.headerSize) + count * UInt64(Self.entrySize)  // count < 2^32: no overflow
        guard count >= 1, indexEnd <= total else { throw Self.failure("the index of \(count) entries does not fit the image") }
        guard names.0 >= indexEnd, names.0 <= total, names.1 <= total - names.0 else {
            throw Self.failure("the names area lies outside the image")
        }
        guard data.0 >= names.0 + names.1, data.0 <= total, data.1 <= total - data.0 else {
            throw Self.failure("the data area lies outside the image")
        }
        self.count = Int(count)
        namesStart = Int(names.0)
        namesEnd = Int(names.0 + names.1)
        dataStart = Int(data.0)
        dataEnd = Int(data.0 + data.1)
        try validateEntries()
    }

    /// The entry at `index` (which must be below ``count``).
    public func entry(at index: Int) -> Entry {
        let base = Self.headerSize + index * Self.entrySize
        // Checked in init: these ranges lie inside the image.
        return Entry(index: index,
                     nameStart: namesStart &+ Int(truncatingIfNeeded: Self.u32(bytes, base)),
                     nameLength: Int(truncatingIfNeeded: Self.u32(bytes, base + 4)),
                     isDictionary: Self.u32(bytes, base + 8) == 1,
                     end: Int(truncatingIfNeeded: Self.u32(bytes, base + 12)),
                     valueStart: dataStart &+ Int(truncatingIfNeeded: Self.u64(bytes, base + 16)),
                     size: Int(truncatingIfNeeded: Self.u64(bytes, base + 24)),
                     digestStart: base + 32)
    }

    /// The path of `entry` below the root, as stored: "css/site.css".
    public func path(of entry: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[entry.nameStart..<(entry.nameStart + entry.nameLength)])
    }

    /// The last segment of `entry`'s path: its name in its folder.
    public func name(of entry: Entry) -> String {
        let path = self.path(of: entry)
        var start = path.count
        while start > 0 && path[start - 1] != UInt8(ascii: "/") { start -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: path[start...]), as: UTF8.self)
    }

    /// The value of `entry`, where it lies in the image.
    public func value(of entry: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[entry.valueStart..<(entry.valueStart + entry.size)])
    }

    /// The stored SHA-256 of `entry`'s value in lowercase hex.
    public func digest(of entry: Entry) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes[entry.digestStart..<(entry.digestStart + 32)] {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The entry whose path is `segments`, by binary search; `nil` when there is none.
    public func find(_ segments: [String]) -> Entry? {
        if segments.isEmpty { return entry(at: 0) }
        var wanted: [UInt8] = []
        for (index, segment) in segments.enumerated() {
            if index > 0 { wanted.append(UInt8(ascii: "/")) }
            wanted.append(contentsOf: segment.utf8)
        }
        var low = 1, high = count
        while low < high {
            let middle = low + (high - low) / 2
            let candidate = entry(at: middle)
            let order = wanted.withUnsafeBytes { Self.compare(path(of: candidate), $0) }
            if order == 0 { return candidate }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// The direct children of the dictionary `entry`, in order.
    public func children(of entry: Entry) -> [Entry] {
        var children: [Entry] = []
        var next = entry.index + 1
        while next < entry.end {
            let child = self.entry(at: next)
            children.append(child)
            next = child.end  // checked in init: beyond `next`, within the parent's run
        }
        return children
    }

    // MARK: - Checks

    private func validateEntries() throws(KVError) {
        // The parent chain of the entry being checked: each open folder's index and end.
        var openFolders: [OpenFolder] = []
        var previous: Entry? = nil
        for index in 0..<count {
            let base = Self.headerSize + index * Self.entrySize
            let nameOffset = UInt64(Self.u32(bytes, base)), nameLength = UInt64(Self.u32(bytes, base + 4))
            let kind = Self.u32(bytes, base + 8), end = Int(Self.u32(bytes, base + 12))
            let valueOffset = Self.u64(bytes, base + 16), size = Self.u64(bytes, base + 24)
            let namesSize = UInt64(namesEnd - namesStart), dataSize = UInt64(dataEnd - dataStart)
            guard nameOffset <= namesSize, nameLength <= namesSize - nameOffset else {
                throw Self.failure("entry \(index): its name lies outside the names area")
            }
            guard kind <= 1 else { throw Self.failure("entry \(index): unknown kind \(Int(kind))") }
            guard valueOffset <= dataSize, size <= dataSize - valueOffset else {
                throw Self.failure("entry \(index): its value lies outside the data area")
            }
            guard end > index, end <= count, kind == 1 || end == index + 1 else {
                throw Self.failure("entry \(index): its descendants' end \(end) is impossible")
            }
            let current = entry(at: index)
            if index == 0 {
                guard current.isDictionary, current.nameLength == 0, end == count else {
                    throw Self.failure("entry 0 is not the root folder holding every entry")
                }
            } else {
                // Nesting: the innermost open folder whose run includes this entry is its parent,
                // and the entry's run may not reach past the parent's.
                while let last = openFolders.last, last.end <= index { openFolders.removeLast() }
                guard let parent = openFolders.last, end <= parent.end else {
                    throw Self.failure("entry \(index) reaches beyond its folder")
                }
                let path = self.path(of: current)
                guard Self.isValidPath(path) else { throw Self.failure("entry \(index): its path has an empty, '.' or '..' segment") }
                let parentPath = self.path(of: entry(at: parent.index))
                guard Self.isChild(path, of: parentPath) else { throw Self.failure("entry \(index) is not inside its folder") }
                if let previous {
                    guard Self.compare(self.path(of: previous), path) < 0 else {
                        throw Self.failure("entry \(index) is out of order (paths must be sorted and distinct)")
                    }
                }
                previous = current
            }
            if current.isDictionary { openFolders.append(OpenFolder(index: index, end: end)) }
        }
    }

    /// A folder whose run of descendants the check is inside.
    private struct OpenFolder {
        let index: Int
        let end: Int
    }

    /// Whether `path`'s segments are all non-empty and none is `.` or `..` or holds NUL.
    private static func isValidPath(_ path: UnsafeRawBufferPointer) -> Bool {
        var length = 0, dots = 0
        for index in 0...path.count {
            if index == path.count || path[index] == UInt8(ascii: "/") {
                if length == 0 || (dots == length && length <= 2) { return false }
                length = 0
                dots = 0
            } else {
                if path[index] == 0 { return false }
                length += 1
                if path[index] == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return true
    }

    /// Whether `path` is one segment below `parent` ("" being the root).
    private static func isChild(_ path: UnsafeRawBufferPointer, of parent: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        if parent.count > 0 {
            guard path.count > parent.count + 1, path[parent.count] == UInt8(ascii: "/") else { return false }
            for index in 0..<parent.count where path[index] != parent[index] { return false }
            start = parent.count + 1
        }
        for index in start..<path.count where path[index] == UInt8(ascii: "/") { return false }
        return true
    }

    /// Path order: bytes compared with "/" below every other byte (segment-wise order, as names
    /// hold neither "/" nor NUL). Negative, zero or positive as `a` sorts before, with or after `b`.
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let shared = min(a.count, b.count)
        for index in 0..<shared where a[index] != b[index] {
            let x = a[index] == UInt8(ascii: "/") ? 0 : Int(a[index]) + 1
            let y = b[index] == UInt8(ascii: "/") ? 0 : Int(b[index]) + 1
            return x - y
        }
        return a.count - b.count
    }

    static func u32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        guard offset >= 0, offset <= bytes.count - 4 else { return 0 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    static func u64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(u32(bytes, offset)) | UInt64(u32(bytes, offset + 4)) << 32
    }

    private static func failure(_ text: String) -> KVError { .storageFailure("crunch image: " + text) }
}
