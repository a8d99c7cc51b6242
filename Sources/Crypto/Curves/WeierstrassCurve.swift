import CBearSSL

/// The NIST prime curves this module uses, and the BearSSL calls on them shared by the P256 and
/// P384 key types.
enum WeierstrassCurve {
    case p256, p384

    var identifier: Int32 { self == .p256 ? Int32(SWIFTLET_CURVE_P256) : Int32(SWIFTLET_CURVE_P384) }
    /// Bytes of a scalar and of a coordinate.
    var scalarByteCount: Int { self == .p256 ? 32 : 48 }
    /// Bytes of an uncompressed point (X9.63: 0x04 || x || y).
    var pointByteCount: Int { 1 + 2 * scalarByteCount }

    /// The order n of the group, big-endian.
    var order: [UInt8] {
        var length = 0
        guard let bytes = swiftlet_ec_order(identifier, &length) else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: length))
    }

    /// Whether `scalar` is a valid private key: `scalarByteCount` bytes in [1, n-1].
    func isValidScalar(_ scalar: [UInt8]) -> Bool {
        scalar.count == scalarByteCount && isInRange(scalar, belowLimit: order)
    }

    /// A random valid scalar from `generator` (rejection sampling: retried while out of range).
    func randomScalar<R: RandomNumberGenerator>(using generator: inout R) -> [UInt8] {
        while true {
            let candidate = randomBytes(count: scalarByteCount, using: &generator)
            if isValidScalar(candidate) { return candidate }
        }
    }

    /// The public point of a valid scalar.
    func publicPoint(of scalar: [UInt8]) -> [UInt8] {
        var point = [UInt8](repeating: 0, count: pointByteCount)
        let length = swiftlet_ec_public_key(identifier, scalar, scalar.count, &point)
        precondition(length == pointByteCount, "public key of an invalid scalar")
        return point
    }

    /// Whether `point` is an uncompressed point on the curve (not the point at infinity).
    func isValidPoint(_ point: [UInt8]) -> Bool {
        guard point.count == pointByteCount, point[0] == 0x04 else { return false }
        // BearSSL checks the point when it multiplies; by one leaves it unchanged.
        var one = [UInt8](repeating: 0, count: scalarByteCount)
        one[scalarByteCount - 1] = 1
        var x = [UInt8](repeating: 0, count: scalarByteCount)
        return swiftlet_ecdh(identifier, one, one.count, point, point.count, &x) == 1
    }

    /// The x coordinate of `scalar` times `point` (ECDH).
    func sharedX(scalar: [UInt8], point: [UInt8]) throws(CryptoError) -> [UInt8] {
        var x = [UInt8](repeating: 0, count: scalarByteCount)
        guard swiftlet_ecdh(identifier, scalar, scalar.count, point, point.count, &x) == 1 else { throw .invalidKey }
        return x
    }

    /// An RFC 6979 deterministic ECDSA signature of `digest` (20, 32, 48 or 64 bytes: the hash of
    /// that length also drives the HMAC that makes k).
    func sign(digest: [UInt8], scalar: [UInt8]) -> ECDSASignature {
        let hash: Int32
        switch digest.count {
        case 20: hash = Int32(SWIFTLET_HASH_SHA1)
        case 32: hash = Int32(SWIFTLET_HASH_SHA256)
        case 48: hash = Int32(SWIFTLET_HASH_SHA384)
        case 64: hash = Int32(SWIFTLET_HASH_SHA512)
        default: preconditionFailure("ECDSA digests are SHA-1, SHA-256, SHA-384 or SHA-512 outputs")
        }
        var raw = [UInt8](repeating: 0, count: 2 * scalarByteCount)
        let length = swiftlet_ecdsa_sign(identifier, hash, digest, scalar, scalar.count, &raw)
        precondition(length == raw.count, "ECDSA signing failed")
        return ECDSASignature(r: Array(raw[..<scalarByteCount]), s: Array(raw[scalarByteCount...]))
    }

    /// Whether `signature` signs `digest` for the public `point`.
    func isValid(_ signature: ECDSASignature, digest: [UInt8], point: [UInt8]) -> Bool {
        guard let raw = signature.raw(width: scalarByteCount), !digest.isEmpty else { return false }
        return swiftlet_ecdsa_verify(identifier, digest, digest.count, point, point.count, raw, raw.count) == 1
    }
}
