/// Why bytes are not the DER (or the X.509 structure) a parser expected.
///
/// Every parser in `SwiftletX509` reports malformed input with one of these and never traps.
public enum DERError: Error, Equatable, Sendable {
    /// The input ends inside an element.
    case truncated
    /// A length that DER forbids: indefinite, not minimally encoded, or beyond what we accept.
    case invalidLength
    /// A tag form we do not accept (high tag numbers), or not the tag expected here.
    case unexpectedTag
    /// Elements nest deeper than `DERReader.maximumDepth`.
    case tooDeep
    /// Bytes are left over after the last element of a structure.
    case trailingData
    /// A value that breaks its type's rules (non-minimal INTEGER, bad BIT STRING padding,
    /// an OID or a time that does not parse, a string outside its character set...).
    case invalidValue(StaticString)
    /// Well-formed, but something we do not implement (a version, a curve, a key type).
    case unsupported(StaticString)

    public static func == (lhs: DERError, rhs: DERError) -> Bool {
        switch (lhs, rhs) {
        case (.truncated, .truncated), (.invalidLength, .invalidLength), (.unexpectedTag, .unexpectedTag),
             (.tooDeep, .tooDeep), (.trailingData, .trailingData): true
        case let (.invalidValue(a), .invalidValue(b)), let (.unsupported(a), .unsupported(b)):
            a.withUTF8Buffer { x in b.withUTF8Buffer { y in x.elementsEqual(y) } }
        default: false
        }
    }
}
