/// The single-byte DER tags X.509 uses. High tag numbers (31 and up) never occur in the formats
/// we read, so a tag is one byte: class (2 bits), constructed (1 bit), number (5 bits).
public enum DERTag {
    public static let boolean: UInt8 = 0x01
    public static let integer: UInt8 = 0x02
    public static let bitString: UInt8 = 0x03
    public static let octetString: UInt8 = 0x04
    public static let null: UInt8 = 0x05
    public static let objectIdentifier: UInt8 = 0x06
    public static let utf8String: UInt8 = 0x0C
    public static let printableString: UInt8 = 0x13
    public static let teletexString: UInt8 = 0x14
    public static let ia5String: UInt8 = 0x16
    public static let utcTime: UInt8 = 0x17
    public static let generalizedTime: UInt8 = 0x18
    public static let universalString: UInt8 = 0x1C
    public static let bmpString: UInt8 = 0x1E
    public static let sequence: UInt8 = 0x30
    public static let set: UInt8 = 0x31

    /// A context-specific tag `[number]`, constructed (EXPLICIT, or IMPLICIT of a constructed type)
    /// or primitive (IMPLICIT of a primitive type).
    public static func context(_ number: UInt8, constructed: Bool) -> UInt8 {
        0x80 | (constructed ? 0x20 : 0) | (number & 0x1F)
    }

    /// Whether `tag` has the constructed bit.
    public static func isConstructed(_ tag: UInt8) -> Bool { tag & 0x20 != 0 }
}
