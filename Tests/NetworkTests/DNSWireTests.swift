import Testing
import SwiftletDevices
@testable import SwiftletDNS

/// The DNS wire codec on byte vectors: names with and without compression, every way a
/// pointer can be wrong, records of each decoded type.
@Suite struct DNSWireTests {
    static func hex(_ text: String) -> [UInt8] {
        let digits = text.unicodeScalars.filter { $0.properties.isASCIIHexDigit }.map { UInt8(String($0), radix: 16)! }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    /// A response to `www.example.com A` (id 0xbeef) whose answer is a CNAME to
    /// `web.example.com` and that name's A record, both owner names compressed.
    static let response = hex("""
        beef 8180 0001 0002 0000 0000
        03 777777 07 6578616d706c65 03 636f6d 00 0001 0001
        c00c 0005 0001 0000012c 0006 03 776562 c010
        c02d 0001 0001 00000e10 0004 c0000201
        """)

    @Test func parsesACompressedResponse() throws {
        let message = try DNSMessage.parse(Self.response[...])
        #expect(message.id == 0xBEEF && message.isResponse && message.recursionDesired && message.recursionAvailable)
        #expect(message.responseCode == .noError && !message.isTruncated)
        #expect(message.questions == [DNSQuestion(name: DNSName("www.example.com")!, type: .a)])
        #expect(message.answers.count == 2)
        #expect(message.answers[0].name == DNSName("WWW.EXAMPLE.COM"))
        #expect(message.answers[0].type == .cname && message.answers[0].timeToLive == 300)
        #expect(message.answers[0].data == .canonicalName(DNSName("web.example.com")!))
        #expect(message.answers[1].name == DNSName("web.example.com"))
        #expect(message.answers[1].data == .ipv4(IPv4Address(192, 0, 2, 1)) && message.answers[1].timeToLive == 3600)
    }

    @Test func emitsWhatItParses() throws {
        let message = try DNSMessage.parse(Self.response[...])
        var bytes: [UInt8] = []
        message.emit(into: &bytes)
        #expect(try DNSMessage.parse(bytes[...]) == message)
        // Uncompressed, so longer than the original.
        #expect(bytes.count > Self.response.count)
    }

    @Test func emitsAQuery() {
        var bytes: [UInt8] = []
        DNSMessage(query: DNSQuestion(name: DNSName("example.com.")!, type: .aaaa), id: 0x0102).emit(into: &bytes)
        #expect(bytes == Self.hex("0102 0100 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 001c 0001"))
    }

    @Test func parsesAnAAAARecord() throws {
        let bytes = Self.hex("""
            0001 8180 0001 0001 0000 0000  01 61 00 001c 0001
            c00c 001c 0001 0000003c 0010 20010db8000000000000000000000001
            """)
        let message = try DNSMessage.parse(bytes[...])
        guard case .ipv6(let address) = message.answers.first?.data else {
            Issue.record("no AAAA record")
            return
        }
        #expect(address.description == "2001:db8:0:0:0:0:0:1")
    }

    @Test func refusesPointersThatLoopOrPointForward() {
        // A pointer to itself.
        #expect(throws: DNSWireError.badPointer) { try DNSMessage.parse(Self.hex("0001 8180 0001 0000 0000 0000 c00c 0001 0001")[...]) }
        // A pointer forward, past itself.
        #expect(throws: DNSWireError.badPointer) { try DNSMessage.parse(Self.hex("0001 8180 0001 0000 0000 0000 c00e 0001 0001 0000")[...]) }
        // A label then a pointer back to that label: a loop through two positions.
        #expect(throws: DNSWireError.badPointer) {
            try DNSMessage.parse(Self.hex("0001 8180 0001 0001 0000 0000 01 61 00 0001 0001  01 62 c013 0001 0001 00000001 0000")[...])
        }
        // A pointer beyond the message.
        #expect(throws: (any Error).self) { try DNSMessage.parse(Self.hex("0001 8180 0001 0000 0000 0000 3fff 0001 0001")[...]) }
    }

    @Test func refusesNamesOver255BytesEvenThroughPointers() {
        // Four 63-byte labels: 4 × 64 + 1 = 257 bytes.
        let label = "3f" + String(repeating: "61", count: 63)
        let long = Self.hex("0001 8180 0001 0000 0000 0000" + String(repeating: label, count: 4) + "00 0001 0001")
        #expect(throws: DNSWireError.nameTooLong) { try DNSMessage.parse(long[...]) }
        // Three labels in the question, and an answer adding a fourth before a pointer to them.
        let viaPointer = Self.hex("0001 8180 0001 0001 0000 0000" + String(repeating: label, count: 3) + "00 0001 0001"
                                  + label + "c00c 0001 0001 00000001 0004 01020304")
        #expect(throws: DNSWireError.nameTooLong) { try DNSMessage.parse(viaPointer[...]) }
    }

    @Test func refusesReservedLabelTypesAndBadLengths() {
        #expect(throws: DNSWireError.badLabel) { try DNSMessage.parse(Self.hex("0001 8180 0001 0000 0000 0000 4001 61 00 0001 0001")[...]) }
        // An A record of 3 bytes.
        #expect(throws: DNSWireError.badRecordData) {
            try DNSMessage.parse(Self.hex("0001 8180 0000 0001 0000 0000 00 0001 0001 00000001 0003 010203")[...])
        }
        // A CNAME whose name ends before its data does.
        #expect(throws: DNSWireError.badRecordData) {
            try DNSMessage.parse(Self.hex("0001 8180 0000 0001 0000 0000 00 0005 0001 00000001 0003 00 0000")[...])
        }
        // Counts larger than the message holds.
        #expect(throws: DNSWireError.truncated) { try DNSMessage.parse(Self.hex("0001 8180 0000 0005 0000 0000")[...]) }
        #expect(throws: DNSWireError.truncated) { try DNSMessage.parse(Self.hex("0001 8180")[...]) }
    }

    @Test func namesCompareWithoutCaseAndValidateText() {
        #expect(DNSName("Example.COM") == DNSName("example.com."))
        #expect(DNSName("Example.COM")!.hashValue == DNSName("example.com")!.hashValue)
        #expect(DNSName("a..b") == nil)
        #expect(DNSName("") == nil)
        #expect(DNSName(String(repeating: "a", count: 64)) == nil)
        #expect(DNSName(String(repeating: "a", count: 63)) != nil)
        #expect(DNSName(".")?.labels.isEmpty == true)
        #expect(DNSName("example.com")?.description == "example.com")
    }

    @Test func theCacheHonoursTimeToLiveAndItsCapacity() {
        var cache = DNSCache(capacity: 2)
        let start = MonotonicInstant(nanoseconds: 1_000_000_000)
        let key = { (text: String) in DNSCache.Key(name: DNSName(text)!, type: .a) }
        cache.insert(key("a"), [.ipv4(IPv4Address(1, 1, 1, 1))], timeToLive: 10, now: start)
        cache.insert(key("b"), [.ipv4(IPv4Address(2, 2, 2, 2))], timeToLive: 100, now: start)
        cache.insert(key("zero"), [.ipv4(IPv4Address(3, 3, 3, 3))], timeToLive: 0, now: start)
        #expect(cache.lookup(key("zero"), now: start) == nil)
        #expect(cache.lookup(key("a"), now: start + .seconds(9)) != nil)
        #expect(cache.lookup(key("a"), now: start + .seconds(10)) == nil)
        cache.insert(key("a"), [.ipv4(IPv4Address(1, 1, 1, 1))], timeToLive: 10, now: start)
        // Full: the entry closest to expiry ("a") makes room.
        cache.insert(key("c"), [.ipv4(IPv4Address(4, 4, 4, 4))], timeToLive: 50, now: start)
        #expect(cache.entries.count == 2)
        #expect(cache.lookup(key("a"), now: start) == nil)
        #expect(cache.lookup(key("b"), now: start) != nil && cache.lookup(key("c"), now: start) != nil)
    }
}
