/// Why bytes are not a DNS message.
public enum DNSWireError: Error, Equatable, Sendable {
    /// The message ends inside a field.
    case truncated
    /// A label's length byte uses the reserved 0b01/0b10 prefixes.
    case badLabel
    /// A compression pointer points at or after itself, or beyond the message.
    case badPointer
    /// A name is longer than 255 bytes on the wire, or follows too many pointers.
    case nameTooLong
    /// A record's data does not fit its type (an A record that is not 4 bytes).
    case badRecordData
}
