import SwiftletDevices

/// Builds DER: each call appends one element, constructed ones from a closure.
///
/// ```swift
/// var der = DERBuilder()
/// der.sequence { body in
///     body.integer(0)
///     body.objectIdentifier(.commonName)
/// }
/// let bytes = der.bytes
/// ```
public struct DERBuilder: Sendable {
    /// What has been built so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends an element with `tag` and `content`.
    public mutating func element(tag: UInt8, content: some Collection<UInt8>) {
        bytes.append(tag)
        let count = content.count
        if count < 0x80 {
            bytes.append(UInt8(count))
        } else {
            var octets: [UInt8] = []
            var rest = count
            while rest > 0 {
                octets.append(UInt8(truncatingIfNeeded: rest))
                rest >>= 8
            }
            bytes.append(0x80 | UInt8(octets.count))
            bytes.append(contentsOf: octets.reversed())
        }
        bytes.append(contentsOf: content)
    }

    /// Appends bytes that are already DER (a name, a public key, a whole element).
    public mutating func raw(_ encoded: some Collection<UInt8>) {
        bytes.append(contentsOf: encoded)
    }

    /// Appends a constructed element with `tag` whose content `build` appends.
    public mutating func constructed(tag: UInt8, _ build: (inout DERBuilder) -> Void) {
        var inner = DERBuilder()
        build(&inner)
        element(tag: tag, content: inner.bytes)
    }

    /// Appends a SEQUENCE.
    public mutating func sequence(_ build: (inout DERBuilder) -> Void) {
        constructed(tag: DERTag.sequence, build)
    }

    /// Appends a SET. (DER orders a SET OF by encoding; every SET we write has one member.)
    public mutating func set(_ build: (inout DERBuilder) -> Void) {
        constructed(tag: DERTag.set, build)
    }

    /// Appends an EXPLICIT `[number]`.
    public mutating func explicit(_ number: UInt8, _ build: (inout DERBuilder) -> Void) {
        constructed(tag: DERTag.context(number, constructed: true), build)
    }

    /// Appends a small non-negative INTEGER.
    public mutating func integer(_ value: Int) {
        var magnitude: [UInt8] = []
        var rest = value.magnitude
        repeat {
            magnitude.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        } while rest > 0
        unsignedInteger(Array(magnitude.reversed()))
    }

    /// Appends a non-negative INTEGER from its big-endian magnitude (leading zeros are dropped,
    /// a sign octet added when needed).
    public mutating func unsignedInteger(_ magnitude: some Collection<UInt8>, tag: UInt8 = DERTag.integer) {
        var octets = Array(magnitude.drop(while: { $0 == 0 }))
        if octets.isEmpty { octets = [0] } else if octets[0] & 0x80 != 0 { octets.insert(0, at: 0) }
        element(tag: tag, content: octets)
    }

    /// Appends a BOOLEAN.
    public mutating func boolean(_ value: Bool) {
        element(tag: DERTag.boolean, content: [value ? 0xFF : 0x00])
    }

    /// Appends a NULL.
    public mutating func null() {
        element(tag: DERTag.null, content: [])
    }

    /// Appends a BIT STRING of whole octets.
    public mutating func bitString(_ octets: some Collection<UInt8>) {
        element(tag: DERTag.bitString, content: [0] + Array(octets))
    }

    /// Appends a named-bit BIT STRING (keyUsage): bit 0 is the most significant bit of the first
    /// octet; trailing zero bits are dropped, as DER requires.
    public mutating func namedBits(_ bits: UInt16) {
        var highest = -1
        for bit in 0..<16 where bits & (1 << bit) != 0 { highest = bit }
        guard highest >= 0 else { return element(tag: DERTag.bitString, content: [0]) }
        var octets = [UInt8](repeating: 0, count: highest / 8 + 1)
        for bit in 0...highest where bits & (1 << bit) != 0 { octets[bit / 8] |= 0x80 >> UInt8(bit % 8) }
        element(tag: DERTag.bitString, content: [UInt8(7 - highest % 8)] + octets)
    }

    /// Appends an OCTET STRING.
    public mutating func octetString(_ octets: some Collection<UInt8>) {
        element(tag: DERTag.octetString, content: octets)
    }

    /// Appends an OCTET STRING whose content `build` appends (extension values).
    public mutating func octetString(_ build: (inout DERBuilder) -> Void) {
        constructed(tag: DERTag.octetString, build)
    }

    /// Appends an OBJECT IDENTIFIER.
    public mutating func objectIdentifier(_ identifier: ASN1ObjectIdentifier) {
        element(tag: DERTag.objectIdentifier, content: identifier.bytes)
    }

    /// Appends a UTF8String.
    public mutating func utf8String(_ text: String) {
        element(tag: DERTag.utf8String, content: Array(text.utf8))
    }

    /// Appends an IA5String (the caller keeps to ASCII).
    public mutating func ia5String(_ text: String) {
        element(tag: DERTag.ia5String, content: Array(text.utf8))
    }

    /// Appends a time as RFC 5280 wants it (UTCTime through 2049, else GeneralizedTime).
    public mutating func time(_ time: WallClockTime) {
        let (tag, content) = DERTime.encode(time)
        element(tag: tag, content: content)
    }
}
