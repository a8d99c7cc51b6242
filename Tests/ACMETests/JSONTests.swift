import Testing
@testable import SwiftletACME

@Suite struct JSONReaderTests {
    let reader = JSONReader()

    func reason(_ text: String, _ reader: JSONReader = JSONReader()) -> JSONError.Reason? {
        do { _ = try reader.read(text); return nil } catch { return error.reason }
    }

    func reason(bytes: [UInt8]) -> JSONError.Reason? {
        do { _ = try reader.read(bytes); return nil } catch { return error.reason }
    }

    @Test func readsAPebbleDirectory() throws {
        let text = """
        {
           "keyChange": "https://localhost:14000/rollover-account-key",
           "meta": {
              "externalAccountRequired": false,
              "termsOfService": "data:text/plain,Do%20what%20thou%20wilt"
           },
           "newAccount": "https://localhost:14000/sign-me-up",
           "newNonce": "https://localhost:14000/nonce-plz",
           "newOrder": "https://localhost:14000/order-plz",
           "revokeCert": "https://localhost:14000/revoke-cert"
        }
        """
        let value = try reader.read(text)
        #expect(value["newNonce"]?.string == "https://localhost:14000/nonce-plz")
        #expect(value["meta"]?["externalAccountRequired"]?.bool == false)
        #expect(value["meta"]?["termsOfService"]?.string == "data:text/plain,Do%20what%20thou%20wilt")
        #expect(value.object?.members.map(\.key) == ["keyChange", "meta", "newAccount", "newNonce", "newOrder", "revokeCert"])
    }

    @Test func readsScalarsAndNesting() throws {
        #expect(try reader.read("null") == .null)
        #expect(try reader.read(" true ") == .bool(true))
        #expect(try reader.read("false") == .bool(false))
        #expect(try reader.read("\"\"") == .string(""))
        #expect(try reader.read("[]") == .array([]))
        #expect(try reader.read("{}") == .object(JSONObject()))
        #expect(try reader.read("[1,[2,{\"a\":[]}]]") == [1, [2, ["a": []]]])
        #expect(try reader.read("\t\r\n[ 1 , 2 ]\n") == [1, 2])
    }

    @Test func numbersFollowTheGrammar() throws {
        for text in ["0", "-0", "12", "-12", "0.5", "1.25e10", "1E+2", "1e-2", "123456789012345678901234567890"] {
            #expect(try reader.read(text) == .number(JSONNumber(text: text)!), "\(text)")
        }
        #expect(try reader.read("-42").int == -42)
        #expect(try reader.read("9223372036854775807").int == Int.max)
        #expect(try reader.read("-9223372036854775808").int == Int.min)
        #expect(try reader.read("9223372036854775808").int == nil)
        #expect(try reader.read("1.0").int == nil)
        for text in ["-", "+1", ".5", "1.", "1e", "1e+", "-a", "NaN", "Infinity"] {
            #expect(reason(text) == .invalidNumber || reason(text) == .unexpectedByte, "\(text)")
        }
        #expect(reason("01") == .trailingData)
        #expect(reason("0x10") == .trailingData)
        #expect(reason("[01]") == .unexpectedByte)
        #expect(JSONNumber(text: "01") == nil)
        #expect(JSONNumber(text: "1e5")?.text == "1e5")
    }

    @Test func stringEscapesAndSurrogatePairs() throws {
        #expect(try reader.read(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try reader.read(#""\u0041\u00e9\u20AC""#) == .string("Aé€"))
        #expect(try reader.read(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try reader.read(#""\uD834\uDD1E""#) == .string("𝄞"))
        #expect(try reader.read(#""\u0000""#) == .string("\u{0}"))
        #expect(try reader.read("\"é😀\"") == .string("é😀"))
        #expect(reason(#""\ud83d""#) == .invalidSurrogate)
        #expect(reason(#""\ud83dx""#) == .invalidSurrogate)
        #expect(reason(#""\ud83d\u0041""#) == .invalidSurrogate)
        #expect(reason(#""\ude00""#) == .invalidSurrogate)
        #expect(reason(#""\x""#) == .invalidEscape)
        #expect(reason(#""\u12G4""#) == .invalidEscape)
        #expect(reason(#""\u12"#) == .unexpectedEnd)
        #expect(reason("\"a\nb\"") == .controlCharacter)
        #expect(reason("\"abc") == .unexpectedEnd)
    }

    @Test func invalidUTF8IsRefused() {
        let quote = UInt8(ascii: "\"")
        for sequence: [UInt8] in [[0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
                                  [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xE2, 0x82], [0xC3]] {
            #expect(reason(bytes: [quote] + sequence + [quote]) == .invalidUTF8, "\(sequence)")
        }
        #expect(reason(bytes: [quote, 0xE2, 0x82]) == .invalidUTF8)
        // A byte order mark is not JSON text (RFC 8259 section 8.1: senders must not add one).
        #expect(reason(bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == .unexpectedByte)
    }

    @Test func structureErrors() {
        #expect(reason("") == .unexpectedEnd)
        #expect(reason("   ") == .unexpectedEnd)
        #expect(reason("[1,]") == .unexpectedByte)
        #expect(reason("[1 2]") == .unexpectedByte)
        #expect(reason("{\"a\":1,}") == .unexpectedByte)
        #expect(reason("{\"a\" 1}") == .unexpectedByte)
        #expect(reason("{a:1}") == .unexpectedByte)
        #expect(reason("{\"a\":1,\"a\":2}") == .duplicateKey)
        #expect(reason("[1] [2]") == .trailingData)
        #expect(reason("tru") == .unexpectedEnd)
        #expect(reason("trux") == .unexpectedByte)
        #expect(reason("// comment\n1") == .unexpectedByte)
        #expect(reason("[") == .unexpectedEnd)
        #expect(reason("{\"a\":") == .unexpectedEnd)
    }

    @Test func limitsAreErrorsNotTraps() throws {
        let deep = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(try reader.read(deep).array != nil)
        let deeper = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(reason(deeper) == .tooDeep)
        // Far past any stack: the limit stops it before recursion does.
        #expect(reason(String(repeating: "[", count: 100_000)) == .tooDeep)
        #expect(reason(String(repeating: "{\"a\":", count: 100_000)) == .tooDeep)
        let small = JSONReader(maxBytes: 10, maxDepth: 2)
        #expect(reason("[[1]]", small) == nil)
        #expect(reason("[[[1]]]", small) == .tooDeep)
        #expect(reason("\"0123456789\"", small) == .tooLarge)
    }

    @Test func errorOffsets() {
        do {
            _ = try reader.read("[1, x]")
            Issue.record("read")
        } catch {
            #expect(error == JSONError(offset: 4, reason: .unexpectedByte))
        }
        do {
            _ = try reader.read(Array("  [\"a\", 1,]".utf8)[2...])
            Issue.record("read")
        } catch {
            #expect(error.offset == 8)
        }
    }
}

@Suite struct JSONWriterTests {
    @Test func writesCompactly() {
        let value: JSONValue = ["b": [1, true, nil, "x"], "a": ["c": "d"], "e": .number(JSONNumber(text: "-1.5e3")!)]
        #expect(JSONWriter.string(value) == #"{"b":[1,true,null,"x"],"a":{"c":"d"},"e":-1.5e3}"#)
        #expect(JSONWriter.string(value, sortingKeys: true) == #"{"a":{"c":"d"},"b":[1,true,null,"x"],"e":-1.5e3}"#)
    }

    @Test func escapesOnlyWhatItMust() {
        let value: JSONValue = .string("q\"b\\s/\u{8}\u{C}\n\r\t\u{1}\u{1F}é😀\u{7F}")
        #expect(JSONWriter.string(value) == "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001fé😀\u{7F}\"")
    }

    @Test func sortsByCodePoint() {
        // UTF-16 order would put U+FF61 after U+1F600's surrogates; code point order puts it first.
        let value: JSONValue = ["\u{1F600}": 1, "\u{FF61}": 2, "Z": 3, "a": 4, "": 5]
        #expect(JSONWriter.string(value, sortingKeys: true) == "{\"\":5,\"Z\":3,\"a\":4,\"\u{FF61}\":2,\"\u{1F600}\":1}")
    }

    @Test func roundTrips() throws {
        let texts = [#"{"a":[1,2,{"b":null}],"c":"\u0000\"é😀","d":-0.5E-7,"e":false}"#, "[]", "\"\"", "0"]
        for text in texts {
            let value = try JSONReader().read(text)
            #expect(try JSONReader().read(JSONWriter.bytes(value)) == value)
        }
    }

    @Test func objectsReplaceAndRemove() {
        var object = JSONObject([.init("a", 1), .init("b", 2), .init("a", 3)])
        #expect(object.members.map(\.key) == ["a", "b"])
        #expect(object["a"] == 3)
        object["a"] = nil
        object["c"] = "x"
        #expect(JSONWriter.string(.object(object)) == #"{"b":2,"c":"x"}"#)
    }
}
