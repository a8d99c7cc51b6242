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
        let loopback6: [UInt8] = Array(repeating: 0, count: 15) + [1]
        let documentation6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 10) + [0x12, 0x34]
        for host in ["::1", "[::1]", "0:0:0:0:0:0:0:1", "::0:1"] {
            #expect(HostnameMatching.matches(host, [.ipAddress(loopback6)]), "\(host)")
        }
        for host in ["2001:db8::1234", "2001:DB8:0:0:0:0:0:1234", "2001:db8::0:1234"] {
            #expect(HostnameMatching.matches(host, [.ipAddress(documentation6)]), "\(host)")
        }
        for host in [":::1", "::1::", "1::2::3", "12345::1", "::g", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "::1.2.3.4", "[::1", ":1"] {
            #expect(!HostnameMatching.matches(host, [.ipAddress(loopback6), .ipAddress(documentation6)]), "\(host)")
        }
        #expect(!HostnameMatching.matches("::1", [.ipAddress([0, 0, 0, 1])]))
        // An IP address is not matched against dNSName entries, nor a name against iPAddress.
        #expect(!HostnameMatching.matches("192.0.2.1", [.dnsName("192.0.2.1")]))
    }
}
