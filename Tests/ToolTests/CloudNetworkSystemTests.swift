import Foundation
import Testing

/// The website as it runs on a cloud network (Google Compute Engine's layout): dnsmasq leases
/// it a /32 with an off-link gateway, option 121 routes and MTU 1460; clients on the link and
/// behind the gateway fetch pages, and its SYN-ACKs advertise MSS 1420
/// (Tests/Network/system-test's dhcp-cloud scenario). And a unikernel that resolves a name with
/// the dns device (the server from DHCP) and fetches a page with the HTTP client, on spt
/// (dns-fetch). Needs root; skipped with a reason otherwise.
@Suite(.serialized) struct CloudNetworkSystemTests {
    @Test(arguments: ["unix", "spt"])
    func aSlash32LeaseWithRoutesAndMTUServesOnAndOffLinkClients(target: String) throws {
        for tool in ["dnsmasq", "tcpdump", "curl", "python3"] where !NetworkSystemTests.installed(tool) {
            print("cloud network test on \(target): skipped, \(tool) is not installed")
            return
        }
        try NetworkSystemTests.scenario("dhcp-cloud", unikernel: "Examples/website", target: target, timeout: 600)
    }

    @Test func theDNSDeviceAndTheHTTPClientFetchAPageByNameOnSPT() throws {
        for tool in ["dnsmasq", "curl", "python3"] where !NetworkSystemTests.installed(tool) {
            print("dns-fetch test: skipped, \(tool) is not installed")
            return
        }
        try NetworkSystemTests.scenario("dns-fetch", unikernel: "Tests/Unikernels/fetch", target: "spt", timeout: 600)
    }
}
