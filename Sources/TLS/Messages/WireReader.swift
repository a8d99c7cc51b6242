/// A bounds-checked reader over bytes: every read checks the length first and throws
/// `decode_error` instead of trapping, so no input can crash a parser built on it.
struct WireReader {
    private let bytes: [UInt8]
    private(set) var offset: Int
    private let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    private init(bytes: [UInt8], offset: Int, end: Int) {
        self.bytes = bytes
        self.offset = offset
        self.end = end
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset == end }

    mutating func readUInt8() throws(TLSError) -> UInt8 {
        guard remaining >= 1 else { throw .decodeError("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() throws(TLSError) -> UInt16 {
        guard remaining >= 2 else { throw .decodeError("truncated") }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt24() throws(TLSError) -> Int {
        guard remaining >= 3 else { throw .decodeError("truncated") }
        defer { offset += 3 }
        return Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
    }

    mutating func readUInt32() throws(TLSError) -> UInt32 {
        let high = try readUInt16()
        let low = try readUInt16()
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func readBytes(_ count: Int) throws(TLSError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .decodeError("truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func readRest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// A reader over the next `count` bytes, which this reader skips.
    mutating func readBlock(_ count: Int) throws(TLSError) -> WireReader {
        guard count >= 0, remaining >= count else { throw .decodeError("truncated") }
        defer { offset += count }
        return WireReader(bytes: bytes, offset: offset, end: offset + count)
    }

    /// A reader over a block whose length comes first in `lengthBytes` (1, 2 or 3) bytes,
    /// which must lie in `range`.
    mutating func readVector(lengthBytes: Int, _ range: ClosedRange<Int>) throws(TLSError) -> WireReader {
        let length: Int
        switch lengthBytes {
        case 1: length = Int(try readUInt8())
        case 2: length = Int(try readUInt16())
        default: length = try readUInt24()
        }
        guard range.contains(length) else { throw .decodeError("vector length \(length) out of range") }
        return try readBlock(length)
    }

    /// The bytes of a length-prefixed vector.
    mutating func readOpaque(lengthBytes: Int, _ range: ClosedRange<Int>) throws(TLSError) -> [UInt8] {
        var block = try readVector(lengthBytes: lengthBytes, range)
        return block.readRest()
    }

    /// A list of 16-bit values in a length-prefixed vector.
    mutating func readUInt16List(lengthBytes: Int, _ range: ClosedRange<Int>) throws(TLSError) -> [UInt16] {
        var block = try readVector(lengthBytes: lengthBytes, range)
        guard block.remaining % 2 == 0 else { throw .decodeError("odd length of a list of 16-bit values") }
        var values: [UInt16] = []
        values.reserveCapacity(block.remaining / 2)
        while !block.isAtEnd { values.append(try block.readUInt16()) }
        return values
    }

    func expectEnd() throws(TLSError) {
        guard isAtEnd else { throw .decodeError("trailing bytes") }
    }
}

/// Appends wire values to a byte array; length prefixes are filled in after their body.
struct WireWriter {
    var bytes: [UInt8] = []

    init() {}

    mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func writeUInt24(_ value: Int) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func writeUInt32(_ value: UInt32) {
        writeUInt16(UInt16(value >> 16))
        writeUInt16(UInt16(truncatingIfNeeded: value))
    }

    mutating func writeBytes(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    /// Writes what `body` writes, preceded by its length in `lengthBytes` bytes.
    mutating func writeVector(lengthBytes: Int, _ body: (inout WireWriter) -> Void) {
        let start = bytes.count
        bytes.append(contentsOf: [UInt8](repeating: 0, count: lengthBytes))
        body(&self)
        let length = bytes.count - start - lengthBytes
        for index in 0..<lengthBytes {
            bytes[start + index] = UInt8(truncatingIfNeeded: length >> (8 * (lengthBytes - 1 - index)))
        }
    }

    mutating func writeOpaque(lengthBytes: Int, _ value: [UInt8]) {
        writeVector(lengthBytes: lengthBytes) { $0.writeBytes(value) }
    }

    mutating func writeUInt16List(lengthBytes: Int, _ values: [UInt16]) {
        writeVector(lengthBytes: lengthBytes) { writer in
            for value in values { writer.writeUInt16(value) }
        }
    }
}
