import SwiftletDevices
import SwiftletRuntime
import SwiftletX509
import Testing

@Suite struct DERTests {
    @Test func lengthsMustBeDefiniteAndMinimal() throws {
        var short = DERReader([0x04, 0x02, 0xAA, 0xBB])
        #expect(try short.readOctetString() == [0xAA, 0xBB])
        try short.finish()
        let long = [0x04, 0x81, 0x80] + [UInt8](repeating: 7, count: 128)
        var reader = DERReader(long)
        #expect(try reader.readOctetString().count == 128)

        for bad: [UInt8] in [[0x04, 0x81, 0x05, 1, 2, 3, 4, 5],   // fits the short form
                             [0x04, 0x82, 0x00, 0x80] + [UInt8](repeating: 0, count: 128),  // leading zero
                             [0x30, 0x80, 0x00, 0x00],            // indefinite
                             [0x04, 0x85, 1, 0, 0, 0, 0]] {       // five length octets
            var reader = DERReader(bad)
            #expect(throws: DERError.invalidLength) { try reader.readElement() }
        }
        var truncated = DERReader([0x04, 0x05, 1, 2])
        #expect(throws: DERError.truncated) { try truncated.readElement() }
        var noLength = DERReader([0x30])
        #expect(throws: DERError.truncated) { try noLength.readElement() }
        var highTag = DERReader([0x1F, 0x81, 0x00, 0x00])
        #expect(throws: DERError.unexpectedTag) { try highTag.readElement() }
    }

    @Test func nestingIsBounded() throws {
        var bytes: [UInt8] = [0x05, 0x00]
        for _ in 0..<40 { bytes = [0x30, UInt8(bytes.count)] + bytes }
        var reader = DERReader(bytes)
        var depth = 0
        let error = #expect(throws: DERError.self) {
            while true {
                reader = try reader.readSequence()
                depth += 1
            }
        }
        #expect(error == .tooDeep)
        #expect(depth == DERReader.maximumDepth)
    }

    @Test func integersBooleansAndBitStrings() throws {
        var reader = DERReader([0x02, 0x01, 0x00, 0x02, 0x02, 0x00, 0x80, 0x02, 0x02, 0x01, 0x00, 0x01, 0x01, 0xFF])
        #expect(try reader.readSmallInteger() == 0)
        #expect(try reader.readUnsignedInteger() == [0x80])
        #expect(try reader.readSmallInteger() == 256)
        #expect(try reader.readBoolean() == true)
        for bad: [UInt8] in [[0x02, 0x02, 0x00, 0x7F], [0x02, 0x02, 0xFF, 0x80], [0x02, 0x00]] {
            var reader = DERReader(bad)
            #expect(throws: DERError.self) { try reader.readIntegerBytes() }
        }
        var negative = DERReader([0x02, 0x01, 0x80])
        #expect(throws: DERError.self) { try negative.readUnsignedInteger() }
        var badBoolean = DERReader([0x01, 0x01, 0x01])
        #expect(throws: DERError.self) { try badBoolean.readBoolean() }
        var bits = DERReader([0x03, 0x02, 0x07, 0x80])
        #expect(try bits.readBitString() == ([0x80], 7))
        var badPadding = DERReader([0x03, 0x02, 0x07, 0x81])
        #expect(throws: DERError.self) { try badPadding.readBitString() }
    }

    @Test func objectIdentifiers() throws {
        #expect(ASN1ObjectIdentifier.ecPublicKey.bytes == [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01])
        #expect(ASN1ObjectIdentifier.secp256r1.description == "1.2.840.10045.3.1.7")
        #expect(ASN1ObjectIdentifier.serverAuth.description == "1.3.6.1.5.5.7.3.1")
        var reader = DERReader([0x06, 0x03, 0x55, 0x04, 0x03])
        #expect(try reader.readObjectIdentifier() == .commonName)
        for bad: [UInt8] in [[0x06, 0x00], [0x06, 0x02, 0x80, 0x01], [0x06, 0x01, 0x81]] {
            var reader = DERReader(bad)
            #expect(throws: DERError.self) { try reader.readObjectIdentifier() }
        }
    }

    @Test func timesInRFC5280Forms() throws {
        func parse(_ tag: UInt8, _ text: String) throws -> WallClockTime {
            var reader = DERReader([tag, UInt8(text.utf8.count)] + Array(text.utf8))
            return try reader.readTime()
        }
        #expect(try parse(0x17, "700101000000Z").secondsSinceEpoch == 0)
        #expect(try parse(0x17, "491231235959Z").secondsSinceEpoch == 2_524_607_999)
        #expect(try parse(0x17, "500101000000Z").secondsSinceEpoch == -631_152_000)
        #expect(try parse(0x18, "20240229120000Z").secondsSinceEpoch == 1_709_208_000)
        for (tag, bad) in [(UInt8(0x17), "240230120000Z"), (0x17, "2402291200Z"), (0x17, "240229120000+0100"),
                           (0x18, "20230229120000Z"), (0x18, "20240229120000.5Z"), (0x17, "24022912000aZ")] {
            #expect(throws: DERError.self) { try parse(tag, bad) }
        }
        // Written back: UTCTime through 2049, GeneralizedTime from 2050.
        for seconds: Int64 in [0, 2_524_607_999, 2_524_608_000, 1_709_208_000] {
            var builder = DERBuilder()
            builder.time(WallClockTime(secondsSinceEpoch: seconds))
            #expect(builder.bytes[0] == (seconds < 2_524_608_000 ? 0x17 : 0x18))
            var reader = DERReader(builder.bytes)
            #expect(try reader.readTime().secondsSinceEpoch == seconds)
        }
    }

    @Test func builderOutputReadsBack() throws {
        var builder = DERBuilder()
        builder.sequence { body in
            body.integer(65_537)
            body.unsignedInteger([0x00, 0x00, 0xFF])
            body.boolean(false)
            body.octetString([UInt8](repeating: 1, count: 300))
            body.utf8String("Grüße")
            body.explicit(3) { $0.null() }
            body.namedBits(KeyUsage([.digitalSignature, .keyCertSign]).rawValue)
        }
        var outer = DERReader(builder.bytes)
        var body = try outer.readSequence()
        try outer.finish()
        #expect(try body.readSmallInteger() == 65_537)
        #expect(try body.readUnsignedInteger() == [0xFF])
        #expect(try body.readBoolean() == false)
        #expect(try body.readOctetString().count == 300)
        #expect(try body.readString() == "Grüße")
        var explicit = try #require(try body.readOptionalExplicit(3))
        try explicit.readNull()
        #expect(try body.readBitString() == ([0x84], 2))
        try body.finish()
    }

    @Test func stringsKeepToTheirCharacterSets() throws {
        var printable = DERReader([0x13, 0x02, 0x41, 0x2A])  // '*' is not PrintableString
        #expect(throws: DERError.self) { try printable.readString() }
        var ia5 = DERReader([0x16, 0x01, 0xC3])
        #expect(throws: DERError.self) { try ia5.readString() }
        var utf8 = DERReader([0x0C, 0x01, 0xFF])
        #expect(throws: DERError.self) { try utf8.readString() }
    }
}
