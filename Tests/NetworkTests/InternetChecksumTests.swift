import Testing
import SwiftletDevices
import SwiftletNet

@Suite struct InternetChecksumTests {
    /// The straightforward definition, to check the fast one against.
    static func reference(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let high = UInt32(bytes[index]) << 8
            let low = index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0
            sum += high | low
            index += 2
        }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    @Test func matchesTheWorkedExampleOfRFC1071() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        #expect(InternetChecksum.of([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7][...]) == ~0xddf2)
    }

    @Test func matchesTheReferenceForEveryLengthAndSplit() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<80 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(InternetChecksum.of(bytes[...]) == Self.reference(bytes), "length \(length)")
            for split in 0...length {
                var sum = InternetChecksum()
                sum.add(bytes[..<split])
                sum.add(bytes[split...])
                #expect(sum.value == Self.reference(bytes), "length \(length) split \(split)")
            }
        }
    }

    @Test func aHeaderWithItsChecksumSumsToZero() {
        // An IPv4 header (checksum field zeroed, then filled in).
        var header: [UInt8] = [0x45, 0, 0, 0x54, 0x12, 0x34, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        let checksum = InternetChecksum.of(header[...])
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xff)
        #expect(InternetChecksum.of(header[...]) == 0)
    }
}
