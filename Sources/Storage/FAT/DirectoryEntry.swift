import SwiftletDevices

/// One file or folder found in a FAT directory, named by its long (VFAT) name when it has a valid
/// one and by its displayed 8.3 name otherwise.
struct FATDirectoryEntry {
    var name: String
    var isDirectory: Bool
    /// The first cluster of the data; 0 for an empty file.
    var firstCluster: UInt32
    /// The file's size in bytes (0 for folders).
    var size: UInt32
}

/// Turns the 32-byte records of a directory into entries: joins VFAT long-name records to the
/// short entry they belong to, and skips deleted records, volume labels and `.`/`..`.
///
/// Feed it a directory's bytes in pieces (one cluster run at a time); it stops at the first
/// record whose first byte is 0x00, which the specification says ends the directory.
struct FATDirectoryParser {
    /// Whether the cluster number's high half (bytes 20–21) counts: on FAT32 only.
    let usesHighClusterBits: Bool
    private(set) var entries: [FATDirectoryEntry] = []
    /// Set once the end-of-directory record was seen; later bytes are not entries.
    private(set) var ended = false
    private var longName: LongNameParts?

    init(usesHighClusterBits: Bool) {
        self.usesHighClusterBits = usesHighClusterBits
    }

    /// Parses the whole 32-byte records in `bytes`.
    mutating func consume(_ bytes: [UInt8]) {
        var start = 0
        while !ended && start + 32 <= bytes.count {
            consumeRecord(bytes[start..<(start + 32)])
            start += 32
        }
    }

    private mutating func consumeRecord(_ record: ArraySlice<UInt8>) {
        let base = record.startIndex
        let first = record[base]
        if first == 0x00 { ended = true; return }
        if first == 0xE5 { longName = nil; return }
        let attributes = record[base + 11]
        if attributes & 0x3F == 0x0F {
            consumeLongNameRecord(record)
            return
        }
        let parts = longName
        longName = nil
        // Volume labels are not files; `.` and `..` (the only short names starting with a dot)
        // would make loops.
        if attributes & 0x08 != 0 || first == UInt8(ascii: ".") { return }

        let shortName = Array(record[base..<(base + 11)])
        var name: String?
        if let parts, parts.next == 0, parts.checksum == FATDirectoryParser.checksum(ofShortName: shortName) {
            name = parts.decodedName()
        }
        if name == nil { name = FATDirectoryParser.displayedName(shortName, flags: record[base + 12]) }
        guard let name else { return }

        let low = UInt32(record[base + 26]) | UInt32(record[base + 27]) << 8
        let high = usesHighClusterBits ? (UInt32(record[base + 20]) | UInt32(record[base + 21]) << 8) : 0
        var size = UInt32(record[base + 28]) | UInt32(record[base + 29]) << 8
        size |= UInt32(record[base + 30]) << 16 | UInt32(record[base + 31]) << 24
        let isDirectory = attributes & 0x10 != 0
        entries.append(FATDirectoryEntry(
            name: name, isDirectory: isDirectory, firstCluster: high << 16 | low, size: isDirectory ? 0 : size))
    }

    /// Long-name records come last part first (the one flagged 0x40), counting down to 1, each
    /// holding 13 UTF-16 code units and the checksum of the short name they belong to.
    private mutating func consumeLongNameRecord(_ record: ArraySlice<UInt8>) {
        let base = record.startIndex
        let order = record[base]
        let checksum = record[base + 13]
        if order & 0x40 != 0 {
            let count = Int(order & 0x3F)
            guard (1...20).contains(count) else { longName = nil; return }
            longName = LongNameParts(count: count, checksum: checksum)
        } else {
            guard let parts = longName, parts.next != 0, Int(order) == parts.next, parts.checksum == checksum else {
                longName = nil
                return
            }
        }
        guard var parts = longName else { return }
        let position = (parts.next - 1) * 13
        var unit = 0
        for offset in [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] {
            parts.units[position + unit] = UInt16(record[base + offset]) | UInt16(record[base + offset + 1]) << 8
            unit += 1
        }
        parts.next -= 1
        longName = parts
    }

    /// The VFAT checksum of an 11-byte short name: rotate right by one, add the next byte.
    static func checksum(ofShortName name: [UInt8]) -> UInt8 {
        var sum: UInt8 = 0
        for byte in name {
            sum = (sum >> 1 | sum << 7) &+ byte
        }
        return sum
    }

    /// `NAME.EXT` from the 11 bytes, with trailing spaces dropped and byte 12's flags applied
    /// (0x08: the name is lowercase, 0x10: the extension is). Bytes above 0x7F are read in code
    /// page 850, mtools' default (its letters are those of code page 437 too). `nil` if nothing
    /// usable is left.
    static func displayedName(_ shortName: [UInt8], flags: UInt8) -> String? {
        func part(_ range: Range<Int>, lowercase: Bool) -> [UInt8] {
            var end = range.upperBound
            while end > range.lowerBound && shortName[end - 1] == UInt8(ascii: " ") { end -= 1 }
            var bytes: [UInt8] = []
            for position in range.lowerBound..<end {
                var byte = shortName[position]
                // A first byte of 0x05 stands for 0xE5, which would otherwise mark a deleted entry.
                if position == 0 && byte == 0x05 { byte = 0xE5 }
                var scalar = byte < 0x80 ? UInt32(byte) : UInt32(codePage850[Int(byte) - 0x80])
                // Control bytes and slashes cannot appear in a key.
                if scalar < 0x20 || scalar == 0x7F || scalar == UInt32(UInt8(ascii: "/")) { scalar = UInt32(UInt8(ascii: "_")) }
                // Lowercase means A–Z and the Latin-1 capitals (À–Þ but ×), all 0x20 below their small letter.
                if lowercase && ((scalar >= 0x41 && scalar <= 0x5A) || (scalar >= 0xC0 && scalar <= 0xDE && scalar != 0xD7)) {
                    scalar += 0x20
                }
                appendUTF8(scalar, to: &bytes)
            }
            return bytes
        }
        let base = part(0..<8, lowercase: flags & 0x08 != 0)
        let ext = part(8..<11, lowercase: flags & 0x10 != 0)
        guard !base.isEmpty else { return nil }
        let bytes = ext.isEmpty ? base : base + [UInt8(ascii: ".")] + ext
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Unicode for bytes 0x80–0xFF of code page 850.
    static let codePage850: [UInt16] = [
        0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
        0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192,
        0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
        0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0, 0x00A9, 0x2563, 0x2551, 0x2557, 0x255D, 0x00A2, 0x00A5, 0x2510,
        0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4,
        0x00F0, 0x00D0, 0x00CA, 0x00CB, 0x00C8, 0x0131, 0x00CD, 0x00CE, 0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580,
        0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE, 0x00DE, 0x00DA, 0x00DB, 0x00D9, 0x00FD, 0x00DD, 0x00AF, 0x00B4,
        0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8, 0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
    ]

    /// Whether `name` can be a key segment: not empty, `.` or `..`, no slash or NUL.
    static func isUsable(_ name: [UInt8]) -> Bool {
        if name.isEmpty || name.contains(0) || name.contains(UInt8(ascii: "/")) { return false }
        return !((1...2).contains(name.count) && name.allSatisfy { $0 == UInt8(ascii: ".") })
    }
}

/// A long name being collected, last part first.
private struct LongNameParts {
    var units: [UInt16]
    /// The order number of the record expected next; 0 once all parts are in.
    var next: Int
    let checksum: UInt8

    init(count: Int, checksum: UInt8) {
        units = [UInt16](repeating: 0xFFFF, count: count * 13)
        next = count
        self.checksum = checksum
    }

    /// The name up to its NUL terminator, UTF-16 → UTF-8 (unpaired surrogates become U+FFFD);
    /// `nil` if it cannot be a key segment.
    func decodedName() -> String? {
        var bytes: [UInt8] = []
        var index = 0
        while index < units.count {
            let unit = units[index]
            index += 1
            if unit == 0 { break }
            var scalar = UInt32(unit)
            if unit >= 0xD800 && unit <= 0xDFFF {
                scalar = 0xFFFD
                if unit <= 0xDBFF, index < units.count, units[index] >= 0xDC00, units[index] <= 0xDFFF {
                    scalar = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(units[index] - 0xDC00)
                    index += 1
                }
            }
            appendUTF8(scalar, to: &bytes)
        }
        guard FATDirectoryParser.isUsable(bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Appends the UTF-8 encoding of a Unicode scalar value (at most 0x10FFFF).
private func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        bytes.append(UInt8(scalar))
    case 0x80..<0x800:
        bytes.append(0xC0 | UInt8(scalar >> 6))
        bytes.append(0x80 | UInt8(scalar & 0x3F))
    case 0x800..<0x10000:
        bytes.append(0xE0 | UInt8(scalar >> 12))
        bytes.append(0x80 | UInt8(scalar >> 6 & 0x3F))
        bytes.append(0x80 | UInt8(scalar & 0x3F))
    default:
        bytes.append(0xF0 | UInt8(scalar >> 18))
        bytes.append(0x80 | UInt8(scalar >> 12 & 0x3F))
        bytes.append(0x80 | UInt8(scalar >> 6 & 0x3F))
        bytes.append(0x80 | UInt8(scalar & 0x3F))
    }
}
