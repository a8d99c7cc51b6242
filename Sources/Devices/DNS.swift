import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift

/// Why a name could not be resolved.
public enum DNSError: Error, Equatable, Sendable {
    /// The text is not a domain name (empty label, a label over 63 bytes, over 253 bytes in all).
    case invalidName(String)
    /// The name does not exist (NXDOMAIN).
    case nameNotFound(String)
    /// The name exists but has no record of the type asked for.
    case noRecords(String)
    /// Every server failed (SERVFAIL, REFUSED, or an answer that could not be used); the text
    /// says what the last one did.
    case serverFailure(String)
    /// No server answered in time, after every retry.
    case timedOut
    /// No DNS server is configured (none given with `--dns-server`, none from DHCP).
    case noServers
}

/// Turns host names into addresses: the `dns` device (MirageOS's `Dns_client`).
///
/// ```swift
/// struct Fetch<Resolver: DNSResolving> {
///     let dns: Resolver
///     func start() async {
///         if let addresses = try? await dns.addresses(of: "example.com") { Log.info("\(addresses)") }
///     }
/// }
/// ```
public protocol DNSResolving {
    /// The IPv4 addresses of `name` (its A records, after following CNAMEs). A dotted-quad
    /// `name` is returned as it is, without asking a server.
    func addresses(of name: String) async throws(DNSError) -> [IPv4Address]
}

extension DNSError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidName(let name): "'\(name)' is not a valid domain name"
        case .nameNotFound(let name): "\(name): no such name"
        case .noRecords(let name): "\(name): no records of that type"
        case .serverFailure(let text): "DNS server failure: \(text)"
        case .timedOut: "no DNS server answered in time"
        case .noServers: "no DNS server configured"
        }
    }
}

/// A resolver that knows only dotted-quad names (`10.0.0.1`), for clients configured with
/// addresses: any other name fails with ``DNSError/noServers``.
public struct DNSLiteralAddresses: DNSResolving {
    /// The resolver.
    public init() {}

    public func addresses(of name: String) async throws(DNSError) -> [IPv4Address] {
        guard let address = IPv4Address(name) else { throw .noServers }
        return [address]
    }
}

/// A stack that can tell a resolver where to ask: the DNS servers its network announced
/// (DHCP option 6), and a seed for query IDs from its own generator.
public protocol DNSServerSource {
    /// The servers the network announced, in order of preference; empty when none.
    var announcedDNSServers: [IPv4Address] { get }
    /// 64 fresh random bits.
    func randomSeed() -> UInt64
}
