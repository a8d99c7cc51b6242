import SwiftletDevices
import SwiftletRuntime

extension DirectStack: DNSServerSource {
    /// The DNS servers of the current DHCP lease.
    public var announcedDNSServers: [IPv4Address] { dhcpLease?.dnsServers ?? [] }

    public func randomSeed() -> UInt64 { random.next() }
}
