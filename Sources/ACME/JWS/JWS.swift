/// JWS in the flattened JSON serialization (RFC 7515 section 7.2.2), as ACME sends every POST
/// (RFC 8555 section 6.2): a protected header with `alg`, `nonce`, `url` and either the account
/// key's `jwk` (newAccount, revocation by certificate key) or the account's `kid`.
/// ```swift
/// let body = JWS.sign(payload: JSONWriter.bytes(["termsOfServiceAgreed": true]),
///                     url: directory.newAccount, nonce: nonce, key: accountKey, keyID: nil)
/// ```
public enum JWS {
    /// The flattened JWS object. `payload` `nil` is ACME's POST-as-GET (an empty payload,
    /// RFC 8555 section 6.3); `keyID` `nil` puts the public key (`jwk`) in the header.
    public static func sign<Key: JWSSigningKey>(payload: [UInt8]?, url: String, nonce: String?, key: Key,
                                                keyID: String?) -> JSONValue {
        var header = JSONObject()
        header["alg"] = .string(key.algorithm)
        if let keyID { header["kid"] = .string(keyID) } else { header["jwk"] = .object(key.publicJWK) }
        if let nonce { header["nonce"] = .string(nonce) }
        header["url"] = .string(url)
        return sign(protectedHeader: header, payload: payload ?? [], key: key)
    }

    /// The flattened JWS object of any protected header (it must name the key's `alg`).
    public static func sign<Key: JWSSigningKey>(protectedHeader: JSONObject, payload: [UInt8], key: Key) -> JSONValue {
        let protected = Base64URL.encodedBytes(JSONWriter.bytes(.object(protectedHeader)))
        let encodedPayload = Base64URL.encodedBytes(payload)
        let signingInput = protected + [UInt8(ascii: ".")] + encodedPayload
        let signature = key.signature(for: signingInput)
        return [
            "protected": .string(String(decoding: protected, as: UTF8.self)),
            "payload": .string(String(decoding: encodedPayload, as: UTF8.self)),
            "signature": .string(Base64URL.encode(signature)),
        ]
    }
}
