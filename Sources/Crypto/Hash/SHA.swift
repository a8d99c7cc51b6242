import CBearSSL

/// SHA-256 (FIPS 180-4).
public struct SHA256: HashFunction {
    public static var byteCount: Int { 32 }
    public static var blockByteCount: Int { 64 }
    private var context = br_sha256_context()

    public init() { br_sha256_init(&context) }

    public mutating func update(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        br_sha224_update(&context, base, bytes.count)
    }

    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        withUnsafePointer(to: context) { state in
            digest.withUnsafeMutableBytes { br_sha256_out(state, $0.baseAddress) }
        }
        return digest
    }
}

/// SHA-384 (FIPS 180-4).
public struct SHA384: HashFunction {
    public static var byteCount: Int { 48 }
    public static var blockByteCount: Int { 128 }
    private var context = br_sha384_context()

    public init() { br_sha384_init(&context) }

    public mutating func update(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        br_sha384_update(&context, base, bytes.count)
    }

    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 48)
        withUnsafePointer(to: context) { state in
            digest.withUnsafeMutableBytes { br_sha384_out(state, $0.baseAddress) }
        }
        return digest
    }
}

/// SHA-512 (FIPS 180-4).
public struct SHA512: HashFunction {
    public static var byteCount: Int { 64 }
    public static var blockByteCount: Int { 128 }
    private var context = br_sha512_context()

    public init() { br_sha512_init(&context) }

    public mutating func update(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        br_sha384_update(&context, base, bytes.count)
    }

    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 64)
        withUnsafePointer(to: context) { state in
            digest.withUnsafeMutableBytes { br_sha512_out(state, $0.baseAddress) }
        }
        return digest
    }
}

/// SHA-1, broken for collisions: only for checking legacy signatures (old X.509 chains).
public struct SHA1: HashFunction {
    public static var byteCount: Int { 20 }
    public static var blockByteCount: Int { 64 }
    private var context = br_sha1_context()

    public init() { br_sha1_init(&context) }

    public mutating func update(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        br_sha1_update(&context, base, bytes.count)
    }

    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        withUnsafePointer(to: context) { state in
            digest.withUnsafeMutableBytes { br_sha1_out(state, $0.baseAddress) }
        }
        return digest
    }
}
