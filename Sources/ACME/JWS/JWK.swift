/// JSON Web Keys (RFC 7517) and their thumbprints (RFC 7638).
public enum JWK {
    /// The JWK of a P-256 public key given in X9.63 uncompressed form (`04 || x || y`, 65 bytes),
    /// or `nil` if it is not one.
    public static func p256(x963Representation point: [UInt8]) -> JSONObject? {
        guard point.count == 65, point[0] == 0x04 else { return nil }
        return JSONObject([
            .init("crv", "P-256"), .init("kty", "EC"),
            .init("x", .string(Base64URL.encode(Array(point[1..<33])))),
            .init("y", .string(Base64URL.encode(Array(point[33..<65])))),
        ])
    }

    /// The members RFC 7638 section 3.2 hashes for each key type.
    static func requiredMembers(keyType: String) -> [String]? {
        switch keyType {
        case "EC": return ["crv", "kty", "x", "y"]
        case "RSA": return ["e", "kty", "n"]
        case "oct": return ["k", "kty"]
        case "OKP": return ["crv", "kty", "x"]  // RFC 8037 section 2
        default: return nil
        }
    }

    /// The thumbprint's hash input (RFC 7638 section 3): the key type's required members only,
    /// sorted by name, no whitespace, or `nil` if the key type is unknown or a member is missing
    /// or not a string.
    public static func thumbprintInput(_ jwk: JSONObject) -> [UInt8]? {
        guard let keyType = jwk["kty"]?.string, let names = requiredMembers(keyType: keyType) else { return nil }
        var canonical = JSONObject()
        for name in names {
            guard let value = jwk[name], value.string != nil else { return nil }
            canonical[name] = value
        }
        return JSONWriter.bytes(.object(canonical), sortingKeys: true)
    }
}
