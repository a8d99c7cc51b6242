/// The string types of X.509 names and GeneralNames, checked against their character sets.
enum DERString {
    static func decode(tag: UInt8, content: ArraySlice<UInt8>) throws(DERError) -> String {
        switch tag {
        case DERTag.utf8String:
            guard let text = String(validating: content, as: UTF8.self) else { throw .invalidValue("UTF8String not UTF-8") }
            return text
        case DERTag.printableString:
            guard content.allSatisfy(isPrintable) else { throw .invalidValue("PrintableString character") }
        case DERTag.ia5String:
            guard content.allSatisfy({ $0 < 0x80 }) else { throw .invalidValue("IA5String character") }
        default:
            throw .unexpectedTag
        }
        return String(decoding: content, as: UTF8.self)
    }

    /// PrintableString's set (X.680 §41.4): letters, digits, space and `'()+,-./:=?`.
    static func isPrintable(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: " '()+,-./:=?".utf8.contains(byte)
        }
    }
}
