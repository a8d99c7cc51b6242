import SwiftletDevices

/// One 512-byte tar header block, decoded (POSIX ustar, with GNU and pax extensions).
///
/// Layout (byte offsets): name 0..<100, mode 100, uid 108, gid 116, size 124..<136,
/// mtime 136, chksum 148..<156, typeflag 156, linkname 157..<257, magic 257..<263,
/// version 263..<265, uname, gname, devmajor, devminor, prefix 345..<500.
/// Every field is read within a checked 512-byte block, so nothing here can trap on any content.
struct TarHeader {
    /// The size of a header and the unit that file data is padded to.
    static let blockSize = 512

    /// What an entry is, as far as the store cares.
    enum Kind: Equatable {
        /// Type `0`, NUL (old archives) or `7` (contiguous file): a value, or a folder when its
        /// path ends in `/` (how pre-POSIX archives mark folders).
        case regularFile
        /// Type `5`: a folder.
        case directory
        /// Type `x`: pax records for the next entry.
        case paxExtended
        /// Type `g`: pax records for all later entries (ignored: nothing we use may be global).
        case paxGlobal
        /// Type `L`: a GNU long name for the next entry.
        case gnuLongName
        /// Links, devices, FIFOs, GNU long link names, sparse files, vendor types: skipped.
        case skipped
    }

    /// The path as stored in the header (ustar prefix and name joined), before normalisation.
    var path: [UInt8]
    /// The size field: the number of data bytes that follow (before pax overrides).
    var size: UInt64
    /// The type flag byte.
    var typeflag: UInt8

    /// What the type flag means.
    var kind: Kind {
        switch typeflag {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): return .regularFile
        case UInt8(ascii: "5"): return .directory
        case UInt8(ascii: "x"): return .paxExtended
        case UInt8(ascii: "g"): return .paxGlobal
        case UInt8(ascii: "L"): return .gnuLongName
        default: return .skipped
        }
    }

    /// Whether data blocks follow the header: not for symbolic links, devices, folders and FIFOs
    /// (POSIX stores none for them whatever the size field says); hard links may carry data in pax.
    var hasData: Bool {
        switch typeflag {
        case UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "5"), UInt8(ascii: "6"): return false
        default: return true
        }
    }

    /// Decodes the header in `block` (512 bytes) read at byte `offset` of the device; `nil` for
    /// a block of zeroes (the end of the archive). Throws ``KVError/storageFailure(_:)`` for a
    /// bad checksum or an unreadable size field.
    static func decode(_ block: [UInt8], at offset: UInt64) throws(KVError) -> TarHeader? {
        guard block.count == blockSize else {
            throw .storageFailure("tar header at byte \(offset) is \(block.count) bytes, not 512")
        }
        // Raw pointers keep the scan fast in debug builds too (no generic collection code).
        let fields = block.withUnsafeBufferPointer { bytes in Fields(bytes) }
        if fields.byteSum == 0 { return nil }
        guard let recorded = fields.checksum else {
            throw .storageFailure("tar header at byte \(offset) has an unreadable checksum field")
        }
        // The checksum counts its own field as eight spaces. Some old writers summed signed
        // bytes, so that sum is accepted too, as GNU tar does.
        let computed = fields.byteSum - fields.checksumFieldSum + 8 * UInt64(UInt8(ascii: " "))
        guard recorded == computed || recorded == signedChecksum(block) else {
            throw .storageFailure("tar header at byte \(offset) has a bad checksum (recorded \(recorded), computed \(computed))")
        }
        guard let size = fields.size else {
            throw .storageFailure("tar header at byte \(offset) has an unreadable size field")
        }
        return TarHeader(path: fields.path, size: size, typeflag: block[156])
    }

    /// The header fields, read in one pass over the block.
    private struct Fields {
        var byteSum: UInt64 = 0
        var checksumFieldSum: UInt64 = 0
        var checksum: UInt64?
        var size: UInt64?
        var path: [UInt8] = []

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard bytes.count == TarHeader.blockSize else { return }
            // Byte sum eight at a time: four 16-bit lanes, which 64 words cannot overflow.
            let raw = UnsafeRawBufferPointer(bytes)
            var lanes: UInt64 = 0
            // `while` rather than `for … in` a range: debug builds iterate ranges generically.
            var offset = 0
            while offset < TarHeader.blockSize {
                let value = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                lanes &+= (value & 0x00FF_00FF_00FF_00FF) &+ ((value >> 8) & 0x00FF_00FF_00FF_00FF)
                offset += 8
            }
            byteSum = (lanes & 0xFFFF) + (lanes >> 16 & 0xFFFF) + (lanes >> 32 & 0xFFFF) + (lanes >> 48)
            if byteSum == 0 { return }
            var index = 148
            while index < 156 {
                checksumFieldSum += UInt64(bytes[index])
                index += 1
            }
            checksum = TarHeader.octal(bytes, 148..<156)
            size = TarHeader.number(bytes, 124..<136)
            let name = TarHeader.cString(bytes, 0..<100)
            // Only POSIX ustar ("ustar\0" + "00") has a prefix; GNU's "ustar  \0" keeps other
            // fields (access and change times) in those bytes.
            let isPOSIX = bytes[257] == 0x75 && bytes[258] == 0x73 && bytes[259] == 0x74 && bytes[260] == 0x61
                && bytes[261] == 0x72 && bytes[262] == 0
            let prefix = isPOSIX ? TarHeader.cString(bytes, 345..<500) : []
            path = prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name
        }
    }

    /// The checksum as old writers computed it, summing bytes as signed; `nil` if negative.
    private static func signedChecksum(_ block: [UInt8]) -> UInt64? {
        var sum: Int64 = 0
        for index in 0..<block.count {
            let byte = (148..<156).contains(index) ? UInt8(ascii: " ") : block[index]
            sum &+= Int64(Int8(bitPattern: byte))
        }
        return sum >= 0 ? UInt64(sum) : nil
    }

    /// The bytes of `bytes[range]` up to the first NUL.
    static func cString(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        guard range.upperBound <= bytes.count else { return [] }
        var end = range.lowerBound
        while end < range.upperBound, bytes[end] != 0 { end += 1 }
        return copy(UnsafeBufferPointer(rebasing: bytes[range.lowerBound..<end]))
    }

    /// `bytes` as an array, copied as memory (the generic sequence initialiser is slow in debug).
    static func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(bytes))
            count = bytes.count
        }
    }

    /// The bytes of `bytes` up to the first NUL.
    static func cString(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { cString($0, 0..<$0.count) }
    }

    /// A numeric field: octal digits (leading spaces or NULs allowed, ending at a space, a NUL
    /// or the field's end), or GNU's base-256 form (first byte 0x80, big-endian binary).
    /// `nil` when the field is malformed, negative or does not fit in 64 bits.
    static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.upperBound <= bytes.count else { return nil }
        let first = bytes[range.lowerBound]
        if first & 0x80 != 0 {
            // 0xFF marks a negative base-256 number; nothing we read may be negative.
            guard first == 0x80 else { return nil }
            var value: UInt64 = 0
            for index in (range.lowerBound + 1)..<range.upperBound {
                guard value >> 56 == 0 else { return nil }
                value = value << 8 | UInt64(bytes[index])
            }
            return value
        }
        return octal(bytes, range)
    }

    /// An octal field; `nil` if it holds anything but spaces, NULs and octal digits in that shape.
    static func octal(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard range.upperBound <= bytes.count else { return nil }
        var index = range.lowerBound
        while index < range.upperBound, bytes[index] == UInt8(ascii: " ") || bytes[index] == 0 { index += 1 }
        var value: UInt64 = 0
        var digits = 0
        while index < range.upperBound, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "7") {
            guard value >> 61 == 0 else { return nil }
            value = value << 3 | UInt64(bytes[index] - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        // Whatever follows the digits must be terminators.
        while index < range.upperBound {
            guard bytes[index] == UInt8(ascii: " ") || bytes[index] == 0 else { return nil }
            index += 1
        }
        // An all-blank field reads as zero (some writers leave unused fields empty).
        return digits == 0 ? 0 : value
    }
}

/// The pax extended header records (`x`) the store uses: `"%d %s=%s\n"` each, where the
/// decimal length counts the whole record including itself and the newline.
struct PaxRecords {
    /// `path`: the entry's full path, overriding the header's name and prefix.
    var path: [UInt8]?
    /// `size`: the entry's size, overriding the header's size field.
    var size: UInt64?
    /// `SWIFTLET.sha256`: the value's SHA-256 in lowercase hex, written by `swiftlet mkfs`.
    var sha256: String?

    /// Nothing recorded.
    init() {}

    /// Reads the records in `data` on top of `self` (later records win).
    /// Throws ``KVError/storageFailure(_:)`` when a record's length does not fit the data.
    mutating func parse(_ data: [UInt8], at offset: UInt64) throws(KVError) {
        var parsed = self
        let malformedAt = data.withUnsafeBufferPointer { parsed.parse($0) }
        if let start = malformedAt {
            throw .storageFailure("pax header at byte \(offset) has a malformed record at byte \(start)")
        }
        self = parsed
    }

    /// Reads the records in `data`; the offset of the first malformed one, or `nil`.
    private mutating func parse(_ data: UnsafeBufferPointer<UInt8>) -> Int? {
        var start = 0
        while start < data.count {
            // Trailing NULs are padding some writers leave after the last record.
            if data[start] == 0 { break }
            var index = start
            var length = 0
            while index < data.count, data[index] >= UInt8(ascii: "0"), data[index] <= UInt8(ascii: "9"), length < 1 << 24 {
                length = length * 10 + Int(data[index] - UInt8(ascii: "0"))
                index += 1
            }
            guard index > start, index < data.count, data[index] == UInt8(ascii: " "),
                  length > index - start + 1, length <= data.count - start,
                  data[start + length - 1] == UInt8(ascii: "\n") else {
                return start
            }
            let end = start + length - 1
            var equals = index + 1
            while equals < end, data[equals] != UInt8(ascii: "=") { equals += 1 }
            if equals < end {
                apply(key: UnsafeBufferPointer(rebasing: data[(index + 1)..<equals]),
                      value: UnsafeBufferPointer(rebasing: data[(equals + 1)..<end]))
            }
            start += length
        }
        return nil
    }

    private mutating func apply(key: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        if Self.matches(key, "path") {
            path = TarHeader.copy(value)
        } else if Self.matches(key, "size") {
            size = Self.decimal(value)
        } else if Self.matches(key, "SWIFTLET.sha256") {
            sha256 = Self.hexDigest(value)
        }
    }

    /// Whether `bytes` spell `keyword`.
    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ keyword: StaticString) -> Bool {
        guard bytes.count == keyword.utf8CodeUnitCount else { return false }
        let expected = keyword.utf8Start
        var index = 0
        while index < bytes.count {
            if bytes[index] != expected[index] { return false }
            index += 1
        }
        return true
    }

    /// A non-negative decimal number that fits in 64 bits, or `nil`.
    static func decimal(_ digits: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// 64 hex digits in lowercase, or `nil` when `bytes` are not a SHA-256 in hex.
    static func hexDigest(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard bytes.count == 64 else { return nil }
        var lower = [UInt8](repeating: 0, count: 64)
        var index = 0
        while index < 64 {
            let byte = bytes[index]
            index += 1
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) {
                lower[index - 1] = byte
            } else if byte >= 0x41 && byte <= 0x46 {
                lower[index - 1] = byte + 0x20  // upper to lower case
            } else {
                return nil
            }
        }
        return String(decoding: lower, as: UTF8.self)
    }
}

/// Archive paths as store keys.
enum TarPath {
    /// The segments of `path` with leading `/` and `./` (and any `.` or empty segment) removed;
    /// `nil` when the path must never become a key: a `..` segment, a NUL, invalid UTF-8, or
    /// nothing left (the root itself).
    static func segments(_ path: [UInt8]) -> [String]? {
        path.withUnsafeBufferPointer { segments($0) }
    }

    private static func segments(_ path: UnsafeBufferPointer<UInt8>) -> [String]? {
        var segments: [String] = []
        var start = 0
        var end = -1
        while end < path.count {
            end += 1
            guard end == path.count || path[end] == UInt8(ascii: "/") else { continue }
            let part = UnsafeBufferPointer(rebasing: path[start..<end])
            start = end + 1
            let dot = UInt8(ascii: ".")
            if part.isEmpty || (part.count == 1 && part[0] == dot) { continue }
            if part.count == 2 && part[0] == dot && part[1] == dot { return nil }
            var name = String(decoding: part, as: UTF8.self)
            // Decoding repairs invalid UTF-8 (and keeps NULs); such names are not keys.
            let intact = name.withUTF8 { decoded in
                guard decoded.count == part.count else { return false }
                var index = 0
                while index < part.count {
                    if decoded[index] != part[index] || part[index] == 0 { return false }
                    index += 1
                }
                return true
            }
            guard intact else { return nil }
            segments.append(name)
        }
        return segments.isEmpty ? nil : segments
    }
}
