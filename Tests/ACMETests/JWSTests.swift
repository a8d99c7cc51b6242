import SwiftletACME
import Testing

@Suite struct Base64URLTests {
    @Test func rfc4648Vectors() {
        // RFC 4648 section 10, unpadded; then bytes that need the URL-safe characters.
        let vectors: [(String, String)] = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"),
                                           ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xfb, 0xff, 0xbf]) == "-_-_")
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
        // RFC 7515 appendix C's example.
        #expect(Base64URL.encode([3, 236, 255, 224, 193]) == "A-z_4ME")
    }

    @Test func decodingIsStrict() {
        for text in ["Zg==", "Zm9v+", "Zm9v/", "Z", "Zm9vY", "Zh", "Zm9", "Zm 9v", "Zm9v\n"] {
            #expect(Base64URL.decode(text) == nil, "\(text)")
        }
        #expect(Base64URL.isAlphabet("aB3-_"))
        #expect(!Base64URL.isAlphabet(""))
        #expect(!Base64URL.isAlphabet("a/b"))
    }

    @Test func roundTripsEveryLength() {
        var bytes: [UInt8] = []
        for length in 0..<70 {
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
            bytes.append(UInt8(truncatingIfNeeded: length &* 37 &+ 11))
        }
    }
}

@Suite struct JWKTests {
    /// RFC 7638 section 3.1: the RSA key's canonical JSON, byte for byte, and its thumbprint.
    @Test func rfc7638Example() throws {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        let jwk = try #require(try JSONReader().read("""
            {"kty":"RSA","n":"\(n)","e":"AQAB","alg":"RS256","kid":"2011-04-29"}
            """).object)
        let input = try #require(JWK.thumbprintInput(jwk))
        #expect(String(decoding: input, as: UTF8.self) == #"{"e":"AQAB","kty":"RSA","n":""# + n + #""}"#)
        #expect(JWK.thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test func ecKeysHashOnlyTheirRequiredMembers() throws {
        let point = [0x04] + [UInt8](repeating: 1, count: 32) + [UInt8](repeating: 2, count: 32)
        var jwk = try #require(JWK.p256(x963Representation: point))
        #expect(JSONWriter.string(.object(jwk)) == #"{"crv":"P-256","kty":"EC","x":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE","y":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI"}"#)
        let plain = JWK.thumbprint(jwk)
        jwk["use"] = "sig"
        jwk["kid"] = "1"
        #expect(JWK.thumbprint(jwk) == plain)
        #expect(JWK.p256(x963Representation: Array(point.dropLast())) == nil)
        #expect(JWK.p256(x963Representation: [0x02] + point.dropFirst()) == nil)
        jwk["x"] = nil
        #expect(JWK.thumbprintInput(jwk) == nil)
        #expect(JWK.thumbprintInput(JSONObject([.init("kty", "XYZ")])) == nil)
    }
}
