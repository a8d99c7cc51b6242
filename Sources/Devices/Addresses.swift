/// An IPv4 address.
///
/// ```swift
/// let address = IPv4Address("10.0.0.2")!
/// print(address)   // 10.0.0.2
/// ```
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address in host byte order: `10.0.0.2` is `0x0A00_0002`.
    public var value: UInt32

    /// Creates an address from its 32-bit value in host byte order.
    public init(_ value: UInt32) { self.value = value }

    /// Creates an address from its four octets.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad notation; `nil` unless the text is exactly four decimal octets.
    public init?(_ text: String) {
        var octets: [UInt32] = []
        var current: UInt32 = 0
        var digits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets.count < 3 else { return nil }
                octets.append(current)
                current = 0
                digits = 0
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                // No leading zeros ("010" is octal in some parsers: refuse the ambiguity).
                guard digits < 3, !(digits == 1 && current == 0) else { return nil }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets.count == 3 else { return nil }
        octets.append(current)
        value = octets[0] << 24 | octets[1] << 16 | octets[2] << 8 | octets[3]
    }

    /// 0.0.0.0
    public static let any = IPv4Address(0)
    /// 255.255.255.255
    public static let broadcast = IPv4Address(0xFFFF_FFFF)
    /// 127.0.0.1
    public static let loopback = IPv4Address(127, 0, 0, 1)

    /// The four octets, most significant first.
    public var octets: (UInt8, UInt8, UInt8, UInt8) {
        (UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
    }

    public var description: String {
        let (a, b, c, d) = octets
        return "\(a).\(b).\(c).\(d)"
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

/// An IPv4 address with its network prefix length: `10.0.0.2/24`.
public struct IPv4Prefix: Hashable, Sendable, CustomStringConvertible {
    /// The address, host bits included (`10.0.0.2` in `10.0.0.2/24`).
    public var address: IPv4Address
    /// The number of leading network bits, 0 to 32.
    public var length: Int

    /// Creates a prefix; `nil` if `length` is not in 0...32.
    public init?(address: IPv4Address, length: Int) {
        guard (0...32).contains(length) else { return nil }
        self.address = address
        self.length = length
    }

    /// Parses `a.b.c.d/n`.
    public init?(_ text: String) {
        // Read as UTF-8 bytes: everything valid is ASCII, so no Character machinery is needed.
        let bytes = Array(text.utf8)
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        // The length is one or two plain decimal digits, no sign or leading zero ("/08").
        let digits = bytes[(slash + 1)...]
        guard let address = IPv4Address(String(decoding: bytes[..<slash], as: UTF8.self)),
              (1...2).contains(digits.count), digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              !(digits.count == 2 && digits.first == UInt8(ascii: "0")) else { return nil }
        let length = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        self.init(address: address, length: length)
    }

    /// The netmask: `255.255.255.0` for a /24.
    public var netmask: IPv4Address {
        IPv4Address(length == 0 ? 0 : UInt32.max << UInt32(32 - length))
    }

    /// The network address: `10.0.0.0` for `10.0.0.2/24`.
    public var network: IPv4Address { IPv4Address(address.value & netmask.value) }

    /// Whether `other` is inside this network.
    public func contains(_ other: IPv4Address) -> Bool {
        other.value & netmask.value == network.value
    }

    public var description: String { "\(address)/\(length)" }
}

/// An IPv4 address and a port: one end of a TCP connection or UDP exchange.
public struct IPv4Endpoint: Hashable, Sendable, CustomStringConvertible {
    /// The host.
    public var address: IPv4Address
    /// The TCP or UDP port.
    public var port: UInt16

    /// Creates an endpoint.
    public init(address: IPv4Address, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String { "\(address):\(port)" }
}

/// An Ethernet hardware address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    /// The six octets in wire order.
    public var octets: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    /// Creates an address from six octets in wire order.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8) {
        octets = (a, b, c, d, e, f)
    }

    /// ff:ff:ff:ff:ff:ff
    public static let broadcast = MACAddress(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)

    /// The octets as an array.
    public var bytes: [UInt8] { [octets.0, octets.1, octets.2, octets.3, octets.4, octets.5] }

    public var description: String {
        let digits: StaticString = "0123456789abcdef"
        var text: [UInt8] = []
        for byte in bytes {
            if !text.isEmpty { text.append(UInt8(ascii: ":")) }
            text.append(digits.utf8Start[Int(byte >> 4)])
            text.append(digits.utf8Start[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}
