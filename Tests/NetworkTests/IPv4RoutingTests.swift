import Testing
import SwiftletDevices
@testable import SwiftletNet

/// Routing (longest-prefix match over connected, static and default routes) and the DHCP
/// options cloud networks use: 26 (interface MTU) and 121 (classless static routes, RFC 3442).
@Suite struct IPv4RoutingTests {
    static func prefix(_ text: String) -> IPv4Prefix { IPv4Prefix(text)! }
    static func address(_ text: String) -> IPv4Address { IPv4Address(text)! }

    @Test func theLongestPrefixWins() {
        let settings = IPv4Settings(address: Self.prefix("10.0.0.2/24"), gateway: Self.address("10.0.0.1"), routes: [
            IPv4Route(destination: Self.prefix("192.168.0.0/16"), router: Self.address("10.0.0.3")),
            IPv4Route(destination: Self.prefix("192.168.7.0/24"), router: Self.address("10.0.0.4")),
            IPv4Route(destination: Self.prefix("172.16.0.0/12"), router: .any),
            IPv4Route(destination: Self.prefix("10.0.0.0/8"), router: Self.address("10.0.0.5")),
        ])
        #expect(settings.nextHop(for: Self.address("10.0.0.77")) == Self.address("10.0.0.77"), "connected beats the /8")
        #expect(settings.nextHop(for: Self.address("10.9.9.9")) == Self.address("10.0.0.5"))
        #expect(settings.nextHop(for: Self.address("192.168.1.1")) == Self.address("10.0.0.3"))
        #expect(settings.nextHop(for: Self.address("192.168.7.1")) == Self.address("10.0.0.4"))
        #expect(settings.nextHop(for: Self.address("172.20.0.9")) == Self.address("172.20.0.9"), "on-link route")
        #expect(settings.nextHop(for: Self.address("8.8.8.8")) == Self.address("10.0.0.1"), "default gateway")
        let isolated = IPv4Settings(address: Self.prefix("10.0.0.2/24"))
        #expect(isolated.nextHop(for: Self.address("8.8.8.8")) == nil)
    }

    /// Google Compute Engine: a /32 and a gateway outside it, reached as a neighbour.
    @Test func aSlash32LeaseSendsEverythingThroughItsOffLinkGateway() {
        let settings = IPv4Settings(address: Self.prefix("10.128.0.5/32"), routes: [
            IPv4Route(destination: Self.prefix("10.128.0.1/32"), router: .any),
            IPv4Route(destination: Self.prefix("0.0.0.0/0"), router: Self.address("10.128.0.1")),
        ])
        #expect(settings.nextHop(for: Self.address("10.128.0.1")) == Self.address("10.128.0.1"))
        #expect(settings.nextHop(for: Self.address("10.128.0.9")) == Self.address("10.128.0.1"))
        #expect(settings.nextHop(for: Self.address("93.184.216.34")) == Self.address("10.128.0.1"))
        // With option 3 only, the same.
        let plain = IPv4Settings(address: Self.prefix("10.128.0.5/32"), gateway: Self.address("10.128.0.1"))
        #expect(plain.nextHop(for: Self.address("10.128.0.9")) == Self.address("10.128.0.1"))
    }

    @Test func anOffLinkGatewayIsResolvedWithARP() {
        var interface = IPv4Interface(macAddress: MACAddress(2, 0, 0, 0, 0, 5), mtu: 1500,
                                      settings: IPv4Settings(address: Self.prefix("10.128.0.5/32"), gateway: Self.address("10.128.0.1")),
                                      seed: 1)
        let sent = interface.send(to: Self.address("10.128.0.9"), protocol: .udp, payloadLength: 0,
                                  now: MonotonicInstant(nanoseconds: 1)) { _ in }
        #expect(sent)
        #expect(interface.outbox.count == 1)
        let frame = interface.outbox[0]
        let (ethernet, body) = try! EthernetHeader.parse(frame[...])
        #expect(ethernet.etherType == .arp && ethernet.destination == .broadcast)
        let request = try! ARPPacket.parse(body)
        #expect(request.targetIP == Self.address("10.128.0.1") && request.senderIP == Self.address("10.128.0.5"))
    }

    /// RFC 3442 §2's encoding, both ways, and a malformed option dropped.
    @Test func classlessStaticRoutesSurviveTheWire() throws {
        let bytes: [UInt8] = [
            0, 10, 0, 0, 1,                 // 0.0.0.0/0 via 10.0.0.1
            32, 10, 128, 0, 1, 0, 0, 0, 0,  // 10.128.0.1/32 on the link
            20, 172, 16, 0x1F, 10, 0, 0, 2, // 172.16.16.0/20 (stray host bits cleared) via 10.0.0.2
        ]
        let routes = try #require(DHCPMessage.parseRoutes(bytes))
        #expect(routes == [
            IPv4Route(destination: Self.prefix("0.0.0.0/0"), router: Self.address("10.0.0.1")),
            IPv4Route(destination: Self.prefix("10.128.0.1/32"), router: .any),
            IPv4Route(destination: Self.prefix("172.16.16.0/20"), router: Self.address("10.0.0.2")),
        ])
        #expect(DHCPMessage.emitRoutes(routes) == bytes.enumerated().map { $0.offset == 17 ? 0x10 : $0.element })
        #expect(DHCPMessage.parseRoutes([33, 1, 2, 3, 4, 5, 6, 7, 8]) == nil)
        #expect(DHCPMessage.parseRoutes([24, 10, 0, 0, 10, 0]) == nil)

        var ack = DHCPMessage(operation: .reply, transactionID: 7, clientHardwareAddress: MACAddress(2, 0, 0, 0, 0, 1), messageType: .ack)
        ack.interfaceMTU = 1460
        ack.classlessStaticRoutes = routes
        var wire: [UInt8] = []
        ack.emit(into: &wire)
        let parsed = try DHCPMessage.parse(wire[...])
        #expect(parsed.interfaceMTU == 1460 && parsed.classlessStaticRoutes == routes)
    }

    @Test func theLeaseCarriesTheMTUAndRoutesAndTheyReplaceOption3() throws {
        var client = DHCPClient(macAddress: MACAddress(2, 0, 0, 0, 0, 0x42), seed: 3)
        let discover = try #require(client.start(now: MonotonicInstant(nanoseconds: 1)).transmissions.first)
        #expect(discover.message.parameterRequestList.contains(26) && discover.message.parameterRequestList.contains(121))
        var server = FakeDHCPServer()
        server.subnetMask = IPv4Address(255, 255, 255, 255)
        let request = try #require(client.receive(server.reply(to: discover.message, .offer), now: MonotonicInstant(nanoseconds: 2))
            .transmissions.first)
        var ack = server.reply(to: request.message, .ack)
        ack.interfaceMTU = 1460
        ack.classlessStaticRoutes = [IPv4Route(destination: Self.prefix("0.0.0.0/0"), router: Self.address("10.0.0.254"))]
        guard case .bound(let lease)? = client.receive(ack, now: MonotonicInstant(nanoseconds: 3)).event else {
            Issue.record("not bound")
            return
        }
        #expect(lease.mtu == 1460 && lease.address.length == 32)
        #expect(lease.routes == ack.classlessStaticRoutes)
        // An MTU below 576 is ignored.
        var tiny = DHCPClient(macAddress: MACAddress(2, 0, 0, 0, 0, 0x43), seed: 4)
        let d = try #require(tiny.start(now: MonotonicInstant(nanoseconds: 1)).transmissions.first)
        let r = try #require(tiny.receive(server.reply(to: d.message, .offer), now: MonotonicInstant(nanoseconds: 2)).transmissions.first)
        var small = server.reply(to: r.message, .ack)
        small.interfaceMTU = 300
        guard case .bound(let smallLease)? = tiny.receive(small, now: MonotonicInstant(nanoseconds: 3)).event else {
            Issue.record("not bound")
            return
        }
        #expect(smallLease.mtu == nil)
    }
}
