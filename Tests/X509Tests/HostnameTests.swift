import SwiftletDevices
import SwiftletX509
import Testing

/// RFC 6125 matching, through a certificate Swiftlet makes with those names.
@Suite struct HostnameTests {
    @Test func wildcardsCoverOneLeftMostLabel() {
        let names: [GeneralName] = [.dnsName("Example.COM"), .dnsName("*.example.org"), .dnsName("f*.example.net"),
                                    .dnsName("*.com"), .dnsName("www.*.example.info"), .ipAddress([192, 0, 2, 7])]
        for host in ["example.com", "EXAMPLE.com.", "www.example.org", "A.EXAMPLE.ORG", "192.0.2.7"] {
            #expect(HostnameMatching.matches(host, names), "\(host)")
        }
        for host in ["www.example.com", "example.org", "a.b.example.org", ".example.org", "foo.example.net",
                     "f.example.net", "example.com.evil", "a.com", "www.x.example.info", "192.0.2.8", "", "*.example.org",
                     "192.0.2.07x"] {
            #expect(!HostnameMatching.matches(host, names), "\(host)")
        }
        // An IP address is not matched against dNSName entries, nor a name against iPAddress.
        #expect(!HostnameMatching.matches("192.0.2.1", [.dnsName("192.0.2.1")]))
    }
}
