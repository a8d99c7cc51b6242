import SwiftletACME
import Testing

/// Our JWK, thumbprints and JWS checked by Python's joserfc and cryptography.
@Suite struct JOSEInteropTests {
    /// Python makes P-256 keys and computes their JWK and RFC 7638 thumbprint; ours must agree.
    @Test func ecThumbprintsMatchJoserfc() throws {
        let script = """
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives import serialization
        from joserfc.jwk import ECKey
        for _ in range(8):
            key = ec.generate_private_key(ec.SECP256R1()).public_key()
            point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
            jwk = ECKey.import_key(key)
            d = jwk.as_dict()
            print(point.hex(), d["x"], d["y"], jwk.thumbprint())
        """
        guard let output = try PythonCheck.run(script, modules: ["cryptography", "joserfc"]) else { return }
        let lines = output.split(separator: "\n")
        #expect(lines.count == 8)
        for line in lines {
            let fields = line.split(separator: " ").map(String.init)
            try #require(fields.count == 4)
            let point = try #require(hexBytes(fields[0]))
            let jwk = try #require(JWK.p256(x963Representation: point))
            #expect(jwk["x"]?.string == fields[1])
            #expect(jwk["y"]?.string == fields[2])
            #expect(JWK.thumbprint(jwk) == fields[3])
        }
    }
}

func hexBytes(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    for index in stride(from: 0, to: digits.count, by: 2) {
        guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
        bytes.append(byte)
    }
    return bytes
}
