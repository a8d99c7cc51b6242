/// HMAC (RFC 2104) over any of the hash functions.
///
/// ```swift
/// let tag = HMAC<SHA256>.authenticationCode(for: message, using: key)
/// ```
public enum HMAC<H: HashFunction> {
    /// The MAC of `data` under `key`.
    public static func authenticationCode(for data: [UInt8], using key: SymmetricKey) -> [UInt8] {
        var mac = Incremental(key: key)
        mac.update(data: data)
        return mac.finalize()
    }

    /// Whether `mac` is the MAC of `data` under `key`, compared in constant time.
    public static func isValidAuthenticationCode(_ mac: [UInt8], authenticating data: [UInt8],
                                                 using key: SymmetricKey) -> Bool {
        constantTimeEquals(mac, authenticationCode(for: data, using: key))
    }

    /// An HMAC fed in pieces (HKDF and the DRBG feed it several fields).
    public struct Incremental {
        private var inner = H()
        private var outer = H()

        /// A MAC keyed with `key`.
        public init(key: SymmetricKey) {
            // Keys longer than a block are hashed first; then both pads are block-sized.
            var block = key.bytes.count > H.blockByteCount ? H.hash(data: key.bytes) : key.bytes
            block += [UInt8](repeating: 0, count: H.blockByteCount - block.count)
            var pad = block
            for index in pad.indices { pad[index] ^= 0x36 }
            inner.update(data: pad)
            for index in pad.indices { pad[index] = block[index] ^ 0x5c }
            outer.update(data: pad)
        }

        /// Adds `data` to what is authenticated.
        public mutating func update(data: [UInt8]) { inner.update(data: data) }

        /// The MAC of everything added so far.
        public func finalize() -> [UInt8] {
            var outer = self.outer
            outer.update(data: inner.finalize())
            return outer.finalize()
        }
    }
}
