import Testing
import SwiftletDevices

@Suite struct IPv4AddressTests {
    @Test func parsesDottedQuadIntoHostOrderValue() throws {
        let address = try #require(IPv4Address("10.0.0.2"))
        #expect(address.value == 0x0A00_0002)
        #expect(address == IPv4Address(10, 0, 0, 2))
    }

    @Test func descriptionRoundTripsTheParsedText() throws {
        for text in ["10.0.0.2", "192.168.1.254", "0.0.0.0", "255.255.255.255", "1.20.100.0"] {
            let address = try #require(IPv4Address(text))
            #expect(address.description == text)
        }
    }

    @Test func parsesTheLowestAndHighestAddresses() throws {
        #expect(try #require(IPv4Address("0.0.0.0")).value == 0)
        #expect(try #require(IPv4Address("255.255.255.255")).value == 0xFFFF_FFFF)
        #expect(IPv4Address("0.0.0.0") == .any)
        #expect(IPv4Address("255.255.255.255") == .broadcast)
        #expect(IPv4Address("127.0.0.1") == .loopback)
    }

    @Test func rejectsMalformedText() {
        let bad = ["256.1.1.1", "1.2.3.256", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.00", "",
                   "a.b.c.d", "1..2.3", " 1.2.3.4", "1.2.3.4 ", ".1.2.3", "1.2.3.", "1000.1.1.1", "-1.2.3.4"]
        for text in bad {
            #expect(IPv4Address(text) == nil, "\(text.debugDescription) should not parse")
        }
    }

    @Test func octetsAreMostSignificantFirst() {
        let (a, b, c, d) = IPv4Address(0xC0A8_0102).octets
        #expect([a, b, c, d] == [192, 168, 1, 2])
    }

    @Test func ordersByNumericValue() throws {
        let low = try #require(IPv4Address("9.255.255.255"))
        let high = try #require(IPv4Address("10.0.0.0"))
        #expect(low < high)
        #expect(!(high < low))
    }

    @Test func endpointDescriptionIsAddressColonPort() {
        let endpoint = IPv4Endpoint(address: IPv4Address(10, 0, 0, 2), port: 8080)
        #expect(endpoint.description == "10.0.0.2:8080")
    }
}

@Suite struct IPv4PrefixTests {
    @Test func slash24HasClassCNetmaskAndNetwork() throws {
        let prefix = try #require(IPv4Prefix("10.0.0.2/24"))
        #expect(prefix.address == IPv4Address(10, 0, 0, 2))
        #expect(prefix.length == 24)
        #expect(prefix.netmask == IPv4Address(255, 255, 255, 0))
        #expect(prefix.network == IPv4Address(10, 0, 0, 0))
        #expect(prefix.description == "10.0.0.2/24")
    }

    @Test func containsOnlyAddressesInsideTheNetwork() throws {
        let prefix = try #require(IPv4Prefix("10.0.0.2/24"))
        #expect(prefix.contains(IPv4Address(10, 0, 0, 0)))
        #expect(prefix.contains(IPv4Address(10, 0, 0, 2)))
        #expect(prefix.contains(IPv4Address(10, 0, 0, 255)))
        #expect(!prefix.contains(IPv4Address(10, 0, 1, 0)))
        #expect(!prefix.contains(IPv4Address(9, 255, 255, 255)))
        #expect(!prefix.contains(IPv4Address(11, 0, 0, 2)))
    }

    @Test func slash0ContainsEverything() throws {
        let prefix = try #require(IPv4Prefix("10.0.0.2/0"))
        #expect(prefix.netmask == IPv4Address(0))
        #expect(prefix.network == IPv4Address(0))
        #expect(prefix.contains(.any))
        #expect(prefix.contains(.broadcast))
        #expect(prefix.contains(IPv4Address(192, 168, 7, 7)))
    }

    @Test func slash32ContainsOnlyItsOwnAddress() throws {
        let prefix = try #require(IPv4Prefix("10.0.0.2/32"))
        #expect(prefix.netmask == .broadcast)
        #expect(prefix.network == IPv4Address(10, 0, 0, 2))
        #expect(prefix.contains(IPv4Address(10, 0, 0, 2)))
        #expect(!prefix.contains(IPv4Address(10, 0, 0, 3)))
        #expect(!prefix.contains(IPv4Address(10, 0, 0, 1)))
    }

    @Test func oddLengthsMaskTheRightBits() throws {
        let prefix = try #require(IPv4Prefix("172.31.200.9/12"))
        #expect(prefix.netmask == IPv4Address(255, 240, 0, 0))
        #expect(prefix.network == IPv4Address(172, 16, 0, 0))
        #expect(prefix.contains(IPv4Address(172, 16, 0, 1)))
        #expect(!prefix.contains(IPv4Address(172, 32, 0, 1)))
    }

    @Test func rejectsMalformedPrefixes() {
        for text in ["10.0.0.2/33", "10.0.0.2", "10.0.0.2/", "10.0.0.2/abc", "10.0.0.2/-1",
                     "10.0.0.2/100", "/24", "10.0.0/24", "10.0.0.2/24/1", "10.0.0.2/+8", "10.0.0.2/08", "10.0.0.2/ 8"] {
            #expect(IPv4Prefix(text) == nil, "\(text.debugDescription) should not parse")
        }
    }

    @Test func memberwiseInitRejectsLengthsOutside0Through32() {
        #expect(IPv4Prefix(address: .any, length: 33) == nil)
        #expect(IPv4Prefix(address: .any, length: -1) == nil)
        #expect(IPv4Prefix(address: .any, length: 0)?.length == 0)
        #expect(IPv4Prefix(address: .any, length: 32)?.length == 32)
    }
}

@Suite struct MACAddressTests {
    @Test func descriptionIsLowercaseHexWithColons() {
        let mac = MACAddress(0x02, 0xAB, 0x0C, 0xDE, 0xF0, 0x01)
        #expect(mac.description == "02:ab:0c:de:f0:01")
        #expect(MACAddress.broadcast.description == "ff:ff:ff:ff:ff:ff")
        #expect(MACAddress(0, 0, 0, 0, 0, 0).description == "00:00:00:00:00:00")
    }

    @Test func equalityAndBytesFollowTheOctets() {
        let mac = MACAddress(1, 2, 3, 4, 5, 6)
        #expect(mac.bytes == [1, 2, 3, 4, 5, 6])
        #expect(mac == MACAddress(1, 2, 3, 4, 5, 6))
        #expect(mac != MACAddress(1, 2, 3, 4, 5, 7))
        #expect(Set([mac, MACAddress(1, 2, 3, 4, 5, 6)]).count == 1)
    }
}

@Suite struct KVKeyTests {
    @Test func splitsAPathIntoSegments() throws {
        let key = try KVKey("/css/site.css")
        #expect(key.segments == ["css", "site.css"])
    }

    @Test func ignoresLeadingRepeatedAndTrailingSlashes() throws {
        #expect(try KVKey("css//site.css/").segments == ["css", "site.css"])
        #expect(try KVKey("///css///site.css///").segments == ["css", "site.css"])
        #expect(try KVKey("css/site.css") == KVKey("/css/site.css"))
    }

    @Test func rejectsDotAndDotDotSegments() {
        for path in ["..", "a/../b", ".", "/a/./b", "../etc/passwd", "a/.."] {
            #expect(throws: KVError.invalidKey(path)) { try KVKey(path) }
        }
    }

    @Test func acceptsNamesThatOnlyContainDots() throws {
        #expect(try KVKey("/.hidden/...").segments == [".hidden", "..."])
    }

    @Test func rejectsNULBytes() {
        #expect(throws: KVError.invalidKey("a/b\u{0}c")) { try KVKey("a/b\u{0}c") }
    }

    @Test func descriptionHasALeadingSlash() throws {
        #expect(try KVKey("css/site.css").description == "/css/site.css")
        #expect(try KVKey("a//b/").description == "/a/b")
    }

    @Test func rootHasNoSegmentsAndIsASlash() throws {
        #expect(KVKey.root.segments == [])
        #expect(KVKey.root.description == "/")
        #expect(try KVKey("") == .root)
        #expect(try KVKey("///") == .root)
    }

    @Test func appendingAddsOneSegment() throws {
        let key = try KVKey.root.appending("css").appending("site.css")
        #expect(key.segments == ["css", "site.css"])
        #expect(key == (try KVKey("/css/site.css")))
    }

    @Test func appendingRejectsSlashesDotsAndEmptyNames() throws {
        let base = try KVKey("/css")
        for name in ["a/b", "..", ".", ""] {
            #expect(throws: KVError.invalidKey(name)) { try base.appending(name) }
        }
    }

    @Test func segmentsInitializerValidatesEachSegment() throws {
        #expect(try KVKey(segments: ["a", "b"]).description == "/a/b")
        #expect(throws: KVError.invalidKey("x/y")) { try KVKey(segments: ["a", "x/y"]) }
        #expect(throws: KVError.invalidKey("..")) { try KVKey(segments: ["..", "b"]) }
    }
}

@Suite struct BlockInfoTests {
    let disk = BlockInfo(sectorSize: 512, sectorCount: 8, isWritable: true)

    @Test func byteCountIsSectorsTimesSectorSize() {
        #expect(disk.byteCount == 4096)
    }

    @Test func acceptsWholeSectorsInsideTheDevice() throws {
        try disk.validate(sector: 0, byteCount: 512)
        try disk.validate(sector: 0, byteCount: 4096)
        try disk.validate(sector: 3, byteCount: 1024)
    }

    @Test func acceptsTheExactLastSector() throws {
        try disk.validate(sector: 7, byteCount: 512)
        try disk.validate(sector: 6, byteCount: 1024)
    }

    @Test func aDeviceWithoutSectorsRejectsEveryRequest() {
        let broken = BlockInfo(sectorSize: 0, sectorCount: 10, isWritable: true)
        #expect(throws: BlockError.misaligned(byteCount: 512, sectorSize: 0)) {
            try broken.validate(sector: 0, byteCount: 512)
        }
    }

    @Test func rejectsEmptyAndPartialSectorBuffers() {
        #expect(throws: BlockError.misaligned(byteCount: 0, sectorSize: 512)) {
            try disk.validate(sector: 0, byteCount: 0)
        }
        #expect(throws: BlockError.misaligned(byteCount: 100, sectorSize: 512)) {
            try disk.validate(sector: 0, byteCount: 100)
        }
        #expect(throws: BlockError.misaligned(byteCount: 513, sectorSize: 512)) {
            try disk.validate(sector: 0, byteCount: 513)
        }
        #expect(throws: BlockError.misaligned(byteCount: -512, sectorSize: 512)) {
            try disk.validate(sector: 0, byteCount: -512)
        }
    }

    @Test func rejectsRequestsReachingPastTheEnd() {
        #expect(throws: BlockError.outOfRange(sector: 7, count: 2, sectorCount: 8)) {
            try disk.validate(sector: 7, byteCount: 1024)
        }
        #expect(throws: BlockError.outOfRange(sector: 8, count: 1, sectorCount: 8)) {
            try disk.validate(sector: 8, byteCount: 512)
        }
        #expect(throws: BlockError.outOfRange(sector: 0, count: 9, sectorCount: 8)) {
            try disk.validate(sector: 0, byteCount: 9 * 512)
        }
    }

    @Test func rejectsHugeSectorNumbersWithoutOverflowing() {
        #expect(throws: BlockError.outOfRange(sector: .max, count: 1, sectorCount: 8)) {
            try disk.validate(sector: .max, byteCount: 512)
        }
        #expect(throws: BlockError.outOfRange(sector: .max - 1, count: 2, sectorCount: 8)) {
            try disk.validate(sector: .max - 1, byteCount: 1024)
        }
        let huge = BlockInfo(sectorSize: 512, sectorCount: .max, isWritable: false)
        #expect(throws: BlockError.outOfRange(sector: .max, count: 1, sectorCount: .max)) {
            try huge.validate(sector: .max, byteCount: 512)
        }
        #expect(throws: Never.self) { try huge.validate(sector: .max - 1, byteCount: 512) }
    }

    @Test func misalignmentIsReportedBeforeRange() {
        #expect(throws: BlockError.misaligned(byteCount: 100, sectorSize: 512)) {
            try disk.validate(sector: .max, byteCount: 100)
        }
    }
}

@Suite struct TimeTests {
    @Test func addingADurationAdvancesTheInstant() {
        let start = MonotonicInstant(nanoseconds: 1_000)
        #expect((start + .microseconds(2)).nanoseconds == 3_000)
        #expect((start + .seconds(1)).nanoseconds == 1_000_001_000)
    }

    @Test func addingSaturatesAtUInt64Max() {
        let late = MonotonicInstant(nanoseconds: .max - 10)
        #expect((late + .nanoseconds(10)).nanoseconds == .max)
        #expect((late + .nanoseconds(11)).nanoseconds == .max)
        #expect((late + .seconds(Int64.max)).nanoseconds == .max)
        #expect((MonotonicInstant(nanoseconds: 0) + .seconds(Int64.max)).nanoseconds == .max)
    }

    @Test func addingANegativeDurationLeavesTheInstantUnchanged() {
        let start = MonotonicInstant(nanoseconds: 5_000)
        #expect((start + .nanoseconds(-3_000)).nanoseconds == 5_000)
    }

    @Test func subtractionIsPositiveForward() {
        let early = MonotonicInstant(nanoseconds: 1_000)
        let late = MonotonicInstant(nanoseconds: 2_501_000)
        #expect(late - early == .microseconds(2_500))
        #expect(early - late == .microseconds(-2_500))
        #expect(early - late < .zero)
        #expect(late - late == .zero)
    }

    @Test func subtractionClampsToInt64Nanoseconds() {
        let zero = MonotonicInstant(nanoseconds: 0)
        let max = MonotonicInstant(nanoseconds: .max)
        #expect(max - zero == .nanoseconds(Int64.max))
        #expect(zero - max == .zero - .nanoseconds(Int64.max))
    }

    @Test func instantsOrderByNanoseconds() {
        #expect(MonotonicInstant(nanoseconds: 1) < MonotonicInstant(nanoseconds: 2))
        #expect(!(MonotonicInstant(nanoseconds: 2) < MonotonicInstant(nanoseconds: 2)))
    }

    @Test func nanosecondsClampedIsZeroForNegativeAndZeroDurations() {
        #expect(Duration.zero.nanosecondsClamped == 0)
        #expect(Duration.nanoseconds(-1).nanosecondsClamped == 0)
        #expect(Duration.milliseconds(-500).nanosecondsClamped == 0)
        #expect(Duration.seconds(-3).nanosecondsClamped == 0)
        #expect(Duration.seconds(Int64.min).nanosecondsClamped == 0)
    }

    @Test func nanosecondsClampedCountsWholeNanoseconds() {
        #expect(Duration.nanoseconds(1).nanosecondsClamped == 1)
        #expect(Duration.milliseconds(1500).nanosecondsClamped == 1_500_000_000)
        #expect(Duration.seconds(1.5).nanosecondsClamped == 1_500_000_000)
        #expect(Duration.seconds(3).nanosecondsClamped == 3_000_000_000)
    }

    @Test func nanosecondsClampedSaturatesForHugeDurations() {
        #expect(Duration.seconds(Int64.max).nanosecondsClamped == .max)
        // 18_446_744_073 s is the largest whole-second count that fits in UInt64 nanoseconds.
        #expect(Duration.seconds(18_446_744_073).nanosecondsClamped == 18_446_744_073_000_000_000)
        #expect(Duration.seconds(18_446_744_074).nanosecondsClamped == .max)
        // Fits in whole seconds, overflows once the fraction is added.
        #expect((Duration.seconds(18_446_744_073) + .milliseconds(999)).nanosecondsClamped == .max)
    }

    @Test func wallClockTimesOrderBySecondsThenNanoseconds() {
        let a = WallClockTime(secondsSinceEpoch: -1, nanoseconds: 999_999_999)
        let b = WallClockTime(secondsSinceEpoch: 0)
        let c = WallClockTime(secondsSinceEpoch: 0, nanoseconds: 1)
        #expect(a < b)
        #expect(b < c)
        #expect(!(c < b))
        #expect(b.nanoseconds == 0)
    }
}
