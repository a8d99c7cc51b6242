import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices
import SwiftletRuntime

/// The `dns` device: a resolver on `stack` asking the servers in `servers` (`--dns-server`,
/// addresses separated by commas) or, when that is empty, those the stack's network announced
/// (DHCP option 6), read at each lookup. Text that is not an address is logged and skipped.
public func dnsDevice<Stack: NetworkStack & DNSServerSource, P: Platform>(
    stack: Stack, loop: RunLoop<P>, servers: String
) -> DNSStubResolver<Stack, PlatformTime<P>, PlatformLoopClock<P>, SplitMix64> {
    var fixed: [IPv4Address] = []
    for item in servers.split(separator: ",") {
        let text = String(item.filter { $0 != " " })
        if let address = IPv4Address(text) { fixed.append(address) } else { Logger(source: "dns").warning("--dns-server: '\(text)' is not an IPv4 address") }
    }
    let source: () -> [IPv4Address] = fixed.isEmpty ? { stack.announcedDNSServers } : { fixed }
    return DNSStubResolver(stack: stack, time: PlatformTime(loop: loop), clock: PlatformLoopClock(platform: loop.platform),
                           random: SplitMix64(seed: stack.randomSeed()), servers: source, spawn: { loop.spawn($0) })
}
