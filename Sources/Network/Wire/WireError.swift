/// Why a packet could not be parsed. Every parser in `Wire/` reports one of these instead of
/// trapping, whatever the input; the interface counts drops by these reasons.
public enum WireError: Error, Equatable, Sendable {
    /// Shorter than its fixed header, or than a length field says it is.
    case truncated
    /// The checksum does not match the contents.
    case badChecksum
    /// A version field this stack does not speak (IPv4 only).
    case badVersion
    /// A length field is inconsistent (header length below the minimum, beyond the packet...).
    case badLength
    /// Well formed, but a kind this stack does not handle (non-Ethernet ARP, unknown DHCP op...).
    case unsupported
    /// The options area is malformed (an option runs past the end, a bad option length).
    case badOptions
}
