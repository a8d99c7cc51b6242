// Compiled into every fuzz target (Scripts/fuzz), in the same module as the wire formats.
import SwiftletDevices

/// Turning libFuzzer's input into what the parsers take, and the checks every target shares.
enum FuzzInput {
    /// Bytes before and after the input in its base array, so the parsers see a slice whose
    /// `startIndex` is not 0 and whose end is not the array's end.
    static let margin = 3

    /// The input as a slice of a larger array.
    static func slice(_ data: UnsafePointer<UInt8>?, _ size: Int) -> ArraySlice<UInt8> {
        var base = [UInt8](repeating: 0xA5, count: margin)
        if let data, size > 0 { base.append(contentsOf: UnsafeBufferPointer(start: data, count: size)) }
        base.append(contentsOf: [UInt8](repeating: 0x5A, count: margin))
        return base[margin..<(base.count - margin)]
    }

    /// The addresses the TCP and UDP targets use in the pseudo-header.
    static let source = IPv4Address(10, 0, 2, 15)
    static let destination = IPv4Address(93, 184, 216, 34)

    /// `bytes` with the 16-bit checksum at `field` recomputed over `covered` (offsets from the
    /// start) plus an optional pseudo-header, so the fuzzer reaches the code behind checksum
    /// checks. Returns `bytes` unchanged when the field or range does not fit.
    static func withChecksum(_ bytes: ArraySlice<UInt8>, field: Int, covered: Range<Int>,
                             pseudoHeader number: UInt8? = nil) -> ArraySlice<UInt8> {
        guard field >= 0, field + 2 <= bytes.count, covered.lowerBound >= 0, covered.upperBound <= bytes.count,
              covered.contains(field), covered.contains(field + 1) else { return bytes }
        var copy = bytes
        let start = copy.startIndex
        copy[start + field] = 0
        copy[start + field + 1] = 0
        var sum = InternetChecksum()
        if let number {
            sum.addPseudoHeader(source: source, destination: destination, protocol: number, length: covered.count)
        }
        sum.add(copy[(start + covered.lowerBound)..<(start + covered.upperBound)])
        copy[start + field] = UInt8(truncatingIfNeeded: sum.value >> 8)
        copy[start + field + 1] = UInt8(truncatingIfNeeded: sum.value)
        return copy
    }

    /// Stops the run (libFuzzer records the input) when an invariant fails.
    static func require(_ condition: Bool, _ message: StaticString) {
        if !condition { fatalError("\(message)") }
    }

    /// Whether `payload` lies within `bytes`.
    static func isInside(_ payload: ArraySlice<UInt8>, _ bytes: ArraySlice<UInt8>) -> Bool {
        payload.startIndex >= bytes.startIndex && payload.endIndex <= bytes.endIndex
    }
}
