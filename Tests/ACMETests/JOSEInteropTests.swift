import SwiftletACME
import Testing

/// Our JWK, thumbprints and JWS checked by Python's cryptography and (from PyPI, if installed) joserfc.
@Suite struct JOSEInteropTests {
    /// Python makes P-256 keys and computes their JWK and RFC 7638 thumbprint; ours must agree.
    @Test func ecThumbprintsMatchJoserfc() throws {
        let script = """
        import base64, hashlib, json
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives import serialization
        def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        try:
            from joserfc.jwk import ECKey
        except ImportError:
            ECKey = None  # RFC 7638 by hand: required members, sorted, no whitespace
        for _ in range(8):
            key = ec.generate_private_key(ec.SECP256R1()).public_key()
            point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
            if ECKey:
                jwk = ECKey.import_key(key)
                d, thumbprint = jwk.as_dict(), jwk.thumbprint()
            else:
                d = {"crv": "P-256", "kty": "EC", "x": b64(point[1:33]), "y": b64(point[33:])}
                canonical = json.dumps(d, sort_keys=True, separators=(",", ":")).encode()
                thumbprint = b64(hashlib.sha256(canonical).digest())
            print(point.hex(), d["x"], d["y"], thumbprint)
        """
        guard let output = try PythonCheck.run(script, modules: ["cryptography"]) else { return }
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
    /// cryptography on the raw r||s signature and, where installed, by joserfc.
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
        from cryptography.hazmat.primitives.asymmetric import ec, utils
        from cryptography.hazmat.primitives import hashes
        def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        def b64e(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        jwk = json.loads(sys.argv[1])
        public = ec.EllipticCurvePublicNumbers(int.from_bytes(b64(jwk["x"]), "big"), int.from_bytes(b64(jwk["y"]), "big"),
                                               ec.SECP256R1()).public_key()
        try:
            from joserfc import jws
            from joserfc.jwk import ECKey
            from joserfc.registry import HeaderParameter
            key = ECKey.import_key(jwk)
            # RFC 8555's header parameters, which joserfc does not know.
            acme = jws.JWSRegistry(header_registry={"nonce": HeaderParameter("ACME nonce", "str", True),
                                                    "url": HeaderParameter("ACME URL", "str", True)}, algorithms=["ES256"])
        except ImportError:
            jws = None
        thumbprint = b64e(hashlib.sha256(json.dumps({m: jwk[m] for m in ("crv", "kty", "x", "y")}, sort_keys=True,
                                                    separators=(",", ":")).encode()).digest())
        for line in sys.stdin:
            obj = json.loads(line)
            header = json.loads(b64(obj["protected"]))
            signature = b64(obj["signature"])
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            public.verify(utils.encode_dss_signature(r, s), (obj["protected"] + "." + obj["payload"]).encode(), ec.ECDSA(hashes.SHA256()))
            payload = b64(obj["payload"]).decode()
            if jws:
                assert jws.deserialize_json(obj, key, registry=acme).payload.decode() == payload
                assert key.thumbprint() == thumbprint
            print(header["alg"], header.get("nonce"), header["url"], "jwk" if "jwk" in header else header["kid"],
                  payload or "-", thumbprint)
        if not jws: print("joserfc absent: checked with cryptography only", file=sys.stderr)
        """
        let jwk = JSONWriter.string(.object(key.publicJWK))
        guard let output = try PythonCheck.run(script, input: input, arguments: [jwk], modules: ["cryptography"]) else { return }
        let lines = output.split(separator: "\n").map(String.init)
        let thumbprint = try #require(JWK.thumbprint(key.publicJWK))
        let text = String(decoding: payload, as: UTF8.self)
        #expect(lines == [
            "ES256 abc_-123 https://ca.example/new-account jwk \(text) \(thumbprint)",
            "ES256 n2 https://ca.example/new-order https://ca.example/acct/1 \(text) \(thumbprint)",
            "ES256 n3 https://ca.example/authz/1 https://ca.example/acct/1 - \(thumbprint)",
        ])
    }

    /// A JWS that was tampered with is refused by the same check: it can fail.
    @Test func joserfcRefusesATamperedJWS() throws {
        let key = ES256Key(seed: "interop")
        var object = try #require(JWS.sign(payload: Array("{}".utf8), url: "https://ca.example/x", nonce: "n", key: key, keyID: "k").object)
        object["payload"] = .string(Base64URL.encode(Array("{\"a\":1}".utf8)))
        let script = """
        import sys, json, base64
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric import ec, utils
        from cryptography.hazmat.primitives import hashes
        def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        jwk, obj = json.loads(sys.argv[1]), json.loads(sys.stdin.read())
        public = ec.EllipticCurvePublicNumbers(int.from_bytes(b64(jwk["x"]), "big"), int.from_bytes(b64(jwk["y"]), "big"),
                                               ec.SECP256R1()).public_key()
        signature = b64(obj["signature"])
        der = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            public.verify(der, (obj["protected"] + "." + obj["payload"]).encode(), ec.ECDSA(hashes.SHA256()))
            print("accepted")
        except InvalidSignature:
            print("refused")
        """
        guard let output = try PythonCheck.run(script, input: JSONWriter.string(.object(object)),
                                               arguments: [JSONWriter.string(.object(key.publicJWK))],
                                               modules: ["cryptography"]) else { return }
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
