import SwiftletX509
import Testing

@Suite struct PEMTests {
    @Test func base64KnownAnswers() {
        // RFC 4648 §10.
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(String(decoding: Base64.encode(Array(plain.utf8)), as: UTF8.self) == encoded)
            #expect(Base64.decode(Array(encoded.utf8)) == Array(plain.utf8))
        }
        #expect(Base64.decode(Array("Zm9v\r\nYmFy\n".utf8)) == Array("foobar".utf8))
        for bad in ["Zg=", "Zg===", "Z", "Zm9v!", "Zh==", "Zm9=", "Zg==Zg==", "=Zg="] {
            #expect(Base64.decode(Array(bad.utf8)) == nil, "\(bad)")
        }
        var bytes: [UInt8] = []
        for length in 0..<70 {
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
            bytes.append(UInt8(truncatingIfNeeded: length &* 37 &+ 11))
        }
    }

    @Test func blocksRoundTrip() throws {
        let first = PEMBlock(label: "CERTIFICATE", der: Array(0..<200))
        let second = PEMBlock(label: "EC PRIVATE KEY", der: [0x30, 0x00])
        let text = first.pemText + "\n" + second.pemText
        #expect(first.pemText.split(separator: "\n").allSatisfy { $0.count <= 64 })
        #expect(try PEM.parse(text) == [first, second])
        #expect(try PEM.parse(text.replacingCRLF()) == [first, second])
        #expect(throws: PEMError.unexpectedLabel("EC PRIVATE KEY")) { try PEM.parse(text, expecting: "CERTIFICATE") }
    }

    @Test func garbageIsRejected() {
        let block = PEMBlock(label: "CERTIFICATE", der: [1, 2, 3, 4]).pemText
        #expect(throws: PEMError.noBlock) { try PEM.parse("") }
        #expect(throws: PEMError.garbage) { try PEM.parse("hello\n" + block) }
        #expect(throws: PEMError.garbage) { try PEM.parse(block + "trailing") }
        #expect(throws: PEMError.unterminated) { try PEM.parse("-----BEGIN CERTIFICATE-----\nAQIDBA==\n") }
        #expect(throws: PEMError.unterminated) { try PEM.parse("-----BEGIN CERTIFICATE-----\nAQIDBA==\n-----END X509 CRL-----\n") }
        #expect(throws: PEMError.invalidBase64) { try PEM.parse("-----BEGIN CERTIFICATE-----\nAQ*DBA==\n-----END CERTIFICATE-----\n") }
        #expect(throws: PEMError.invalidBase64) {
            try PEM.parse("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAQIDBA==\n-----END EC PRIVATE KEY-----\n")
        }
    }
}

extension String {
    func replacingCRLF() -> String {
        String(decoding: utf8.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }, as: UTF8.self)
    }
}
