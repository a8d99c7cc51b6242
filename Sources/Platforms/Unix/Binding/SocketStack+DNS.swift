import SwiftletDevices

extension SocketStack: DNSServerSource {
    /// None: the host's resolver configuration is not read; give `--dns-server`.
    public var announcedDNSServers: [IPv4Address] { [] }

    public func randomSeed() -> UInt64 {
        var random = UnixRandom()
        return random.next()
    }
}
