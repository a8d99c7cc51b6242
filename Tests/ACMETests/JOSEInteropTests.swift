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

    /// Our flattened JWS objects (jwk and kid headers, a payload and POST-as-GET), verified by
    /// joserfc with the key from the header, and by cryptography on the raw r||s signature.
    @Test func jwsVerifiesWithJoserfcAndCryptography() throws {
        let key = ES256Key(seed: "interop")
        let payload = JSONWriter.bytes(["termsOfServiceAgreed": true, "contact": ["mailto:a@example.org"]])
        let objects = [
            JWS.sign(payload: payload, url: "https://ca.example/new-account", nonce: "abc_-123", key: key, keyID: nil),
            JWS.sign(payload: payload, url: "https://ca.example/new-order", nonce: "n2", key: key, keyID: "https://ca.example/acct/1"),
            JWS.sign(payload: nil, url: "https://ca.example/authz/1", nonce: "n3", key: key, keyID: "https://ca.example/acct/1"),
        ]
        for object in objects {
            let signature = try #require(object["signature"]?.string.flatMap(Base64URL.decode))
            #expect(signature.count == 64)
        }
        let input = objects.map { JSONWriter.string($0) }.joined(separator: "\n") + "\n"
        let script = """
        import sys, json, base64, hashlib
        from joserfc import jws
        from joserfc.jwk import ECKey
        from joserfc.registry import HeaderParameter
        # RFC 8555's header parameters, which joserfc does not know.
        acme = jws.JWSRegistry(header_registry={"nonce": HeaderParameter("ACME nonce", "str", True),
                                                "url": HeaderParameter("ACME URL", "str", True)}, algorithms=["ES256"])
        from cryptography.hazmat.primitives.asymmetric import ec, utils
        from cryptography.hazmat.primitives import hashes
        def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        jwk = json.loads(sys.argv[1])
        key = ECKey.import_key(jwk)
        public = key.public_key
        for line in sys.stdin:
            obj = json.loads(line)
            header = json.loads(b64(obj["protected"]))
            result = jws.deserialize_json(obj, key, registry=acme)
            signature = b64(obj["signature"])
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            public.verify(utils.encode_dss_signature(r, s), (obj["protected"] + "." + obj["payload"]).encode(), ec.ECDSA(hashes.SHA256()))
            print(header["alg"], header.get("nonce"), header["url"], "jwk" if "jwk" in header else header["kid"],
                  result.payload.decode() or "-", key.thumbprint())
        """
        let jwk = JSONWriter.string(.object(key.publicJWK))
        guard let output = try PythonCheck.run(script, input: input, arguments: [jwk], modules: ["cryptography", "joserfc"]) else { return }
        let lines = output.split(separator: "\n").map(String.init)
        let thumbprint = try #require(JWK.thumbprint(key.publicJWK))
        let text = String(decoding: payload, as: UTF8.self)
        #expect(lines == [
            "ES256 abc_-123 https://ca.example/new-account jwk \(text) \(thumbprint)",
            "ES256 n2 https://ca.example/new-order https://ca.example/acct/1 \(text) \(thumbprint)",
            "ES256 n3 https://ca.example/authz/1 https://ca.example/acct/1 - \(thumbprint)",
        ])
    }

    /// A JWS that was tampered with is refused by joserfc: the check above can fail.
    @Test func joserfcRefusesATamperedJWS() throws {
        let key = ES256Key(seed: "interop")
        var object = try #require(JWS.sign(payload: Array("{}".utf8), url: "https://ca.example/x", nonce: "n", key: key, keyID: "k").object)
        object["payload"] = .string(Base64URL.encode(Array("{\"a\":1}".utf8)))
        let script = """
        import sys, json
        from joserfc import jws
        from joserfc.jwk import ECKey
        try:
            registry = jws.JWSRegistry(strict_check_header=False, algorithms=["ES256"])
            jws.deserialize_json(json.loads(sys.stdin.read()), ECKey.import_key(json.loads(sys.argv[1])), registry=registry)
            print("accepted")
        except jws.BadSignatureError:
            print("refused")
        """
        guard let output = try PythonCheck.run(script, input: JSONWriter.string(.object(object)),
                                               arguments: [JSONWriter.string(.object(key.publicJWK))],
                                               modules: ["cryptography", "joserfc"]) else { return }
        #expect(output == "refused\n")
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
