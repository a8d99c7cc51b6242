import Testing
import SwiftletDevices
import SwiftletNet

/// A DHCP server that answers whatever it is handed, for driving the client.
struct FakeDHCPServer {
    var identifier = IPv4Address(10, 0, 0, 1)
    var offered = IPv4Address(10, 0, 0, 42)
    var leaseTime: UInt32? = 3600
    var renewalTime: UInt32?
    var rebindingTime: UInt32?
    var subnetMask: IPv4Address? = IPv4Address(255, 255, 255, 0)

    func reply(to request: DHCPMessage, _ type: DHCPMessage.MessageType) -> DHCPMessage {
        var reply = DHCPMessage(operation: .reply, transactionID: request.transactionID,
                                clientHardwareAddress: request.clientHardwareAddress, messageType: type)
        reply.serverIdentifier = identifier
        guard type != .nak else { return reply }
        reply.yourAddress = offered
        reply.leaseTime = leaseTime
        reply.renewalTime = renewalTime
        reply.rebindingTime = rebindingTime
        reply.subnetMask = subnetMask
        reply.routers = [IPv4Address(10, 0, 0, 1)]
        reply.dnsServers = [IPv4Address(10, 0, 0, 53)]
        return reply
    }
}

@Suite struct DHCPClientTests {
    static let mac = MACAddress(0x02, 0, 0, 0, 0, 0x42)
    static let address = IPv4Address(10, 0, 0, 42)
    static let server = IPv4Address(10, 0, 0, 1)

    static func at(_ seconds: UInt64, _ milliseconds: UInt64 = 0) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: seconds * 1_000_000_000 + milliseconds * 1_000_000)
    }

    static func only(_ output: DHCPClient.Output) throws -> DHCPClient.Transmission {
        try #require(output.transmissions.count == 1)
        return output.transmissions[0]
    }

    /// Runs discover, offer, request, ack: DISCOVER at 100 s, OFFER at 101 s, ACK at 102 s.
    static func boundClient(server: FakeDHCPServer = FakeDHCPServer(), seed: UInt64 = 1) throws -> (DHCPClient, DHCPLease) {
        var client = DHCPClient(macAddress: mac, seed: seed)
        let discover = try only(client.start(now: at(100)))
        let request = try only(client.receive(server.reply(to: discover.message, .offer), now: at(101)))
        let output = client.receive(server.reply(to: request.message, .ack), now: at(102))
        guard case .bound(let lease)? = output.event else {
            Issue.record("not bound: \(output)")
            throw BoundFailure()
        }
        return (client, lease)
    }
    struct BoundFailure: Error {}

    @Test func discoversWithTheRightFields() throws {
        var client = DHCPClient(macAddress: Self.mac, seed: 9, hostName: "swiftlet")
        #expect(client.state == .initial)
        #expect(client.nextDeadline == nil)
        let discover = try Self.only(client.start(now: Self.at(10)))
        #expect(client.state == .selecting)
        #expect(discover.source == .any && discover.destination == .broadcast)
        let message = discover.message
        #expect(message.operation == .request && message.messageType == .discover)
        #expect(message.broadcast && message.clientAddress == .any && message.clientHardwareAddress == Self.mac)
        #expect(message.parameterRequestList == [1, 3, 6, 26, 51, 58, 59, 121])
        #expect(message.clientIdentifier == [1, 0x02, 0, 0, 0, 0, 0x42])
        #expect(message.hostName == "swiftlet")
        #expect(message.serverIdentifier == nil && message.requestedAddress == nil)
        let deadline = try #require(client.nextDeadline)
        #expect(deadline >= Self.at(13) && deadline <= Self.at(15))
    }

    @Test func goesThroughDiscoverOfferRequestAck() throws {
        var client = DHCPClient(macAddress: Self.mac, seed: 1)
        let server = FakeDHCPServer()
        let discover = try Self.only(client.start(now: Self.at(100)))
        let request = try Self.only(client.receive(server.reply(to: discover.message, .offer), now: Self.at(101)))
        #expect(client.state == .requesting)
        #expect(request.source == .any && request.destination == .broadcast)
        #expect(request.message.messageType == .request)
        #expect(request.message.transactionID == discover.message.transactionID)
        #expect(request.message.requestedAddress == Self.address)
        #expect(request.message.serverIdentifier == Self.server)
        #expect(request.message.clientAddress == .any && request.message.broadcast)
        #expect(request.message.secondsElapsed == 1)
        // A second offer is not taken.
        var other = server
        other.identifier = IPv4Address(10, 0, 0, 2)
        #expect(client.receive(other.reply(to: discover.message, .offer), now: Self.at(101, 500)) == DHCPClient.Output())

        let output = client.receive(server.reply(to: request.message, .ack), now: Self.at(102))
        let expected = DHCPLease(
            address: try #require(IPv4Prefix("10.0.0.42/24")), router: Self.server, dnsServers: [IPv4Address(10, 0, 0, 53)],
            server: Self.server, acquiredAt: Self.at(101), renewAt: Self.at(101 + 1800), rebindAt: Self.at(101 + 3150),
            expiresAt: Self.at(101 + 3600))
        #expect(output == DHCPClient.Output(event: .bound(expected)))
        #expect(client.state == .bound && client.lease == expected)
        #expect(client.nextDeadline == Self.at(1901))
        // A duplicate ACK changes nothing.
        #expect(client.receive(server.reply(to: request.message, .ack), now: Self.at(103)) == DHCPClient.Output())
    }

    @Test func renewsAtT1WithTheServer() throws {
        var (client, lease) = try Self.boundClient()
        #expect(client.poll(now: Self.at(1900, 999)) == DHCPClient.Output())
        let renew = try Self.only(client.poll(now: lease.renewAt))
        #expect(client.state == .renewing)
        #expect(renew.source == Self.address && renew.destination == Self.server)
        #expect(renew.message.messageType == .request && renew.message.clientAddress == Self.address)
        #expect(renew.message.serverIdentifier == nil && renew.message.requestedAddress == nil)
        #expect(!renew.message.broadcast)
        // T2 - T1 is 1350 s: retry after half of it.
        #expect(client.nextDeadline == lease.renewAt + .seconds(675))

        var server = FakeDHCPServer()
        server.leaseTime = 7200
        let output = client.receive(server.reply(to: renew.message, .ack), now: Self.at(1902))
        var renewed = lease
        renewed.acquiredAt = lease.renewAt
        renewed.renewAt = lease.renewAt + .seconds(3600)
        renewed.rebindAt = lease.renewAt + .seconds(6300)
        renewed.expiresAt = lease.renewAt + .seconds(7200)
        #expect(output == DHCPClient.Output(event: .renewed(renewed)))
        #expect(client.state == .bound && client.lease == renewed)
    }

    @Test func rebindsAtT2WhenRenewalGoesUnanswered() throws {
        var (client, lease) = try Self.boundClient()
        let first = try Self.only(client.poll(now: lease.renewAt))
        var now = lease.renewAt
        var retransmissions = 0
        while client.state == .renewing {
            let deadline = try #require(client.nextDeadline)
            // Half the time left to T2, never closer than 60 s, and never past T2.
            let left = lease.rebindAt.nanoseconds - now.nanoseconds
            #expect(deadline == min(lease.rebindAt, now + .nanoseconds(Int64(max(60_000_000_000, left / 2)))))
            now = deadline
            let output = client.poll(now: now)
            let sent = try Self.only(output)
            if client.state == .renewing {
                retransmissions += 1
                #expect(sent.destination == Self.server)
                #expect(sent.message.transactionID == first.message.transactionID)
            } else {
                #expect(now == lease.rebindAt)
                #expect(client.state == .rebinding)
                #expect(sent.source == Self.address && sent.destination == .broadcast)
                #expect(sent.message.clientAddress == Self.address && sent.message.serverIdentifier == nil)
                #expect(sent.message.transactionID != first.message.transactionID)
                // A different server answers the broadcast.
                var other = FakeDHCPServer()
                other.identifier = IPv4Address(10, 0, 0, 2)
                let output = client.receive(other.reply(to: sent.message, .ack), now: now + .seconds(1))
                guard case .renewed(let renewed)? = output.event else {
                    Issue.record("not renewed: \(output)")
                    return
                }
                #expect(renewed.server == IPv4Address(10, 0, 0, 2))
                #expect(renewed.acquiredAt == lease.rebindAt && renewed.expiresAt == lease.rebindAt + .seconds(3600))
                #expect(client.state == .bound)
            }
        }
        // 675, 337.5, 168.75, 84.4, then 60 s until T2.
        #expect(retransmissions >= 4)
    }

    @Test func aNakWhileRequestingRestartsAfterAPause() throws {
        var client = DHCPClient(macAddress: Self.mac, seed: 3)
        let server = FakeDHCPServer()
        let discover = try Self.only(client.start(now: Self.at(0)))
        let request = try Self.only(client.receive(server.reply(to: discover.message, .offer), now: Self.at(1)))
        // A NAK from a server we did not pick is not ours to take.
        var other = server
        other.identifier = IPv4Address(10, 0, 0, 9)
        #expect(client.receive(other.reply(to: request.message, .nak), now: Self.at(2)) == DHCPClient.Output())
        #expect(client.receive(server.reply(to: request.message, .nak), now: Self.at(2)) == DHCPClient.Output())
        #expect(client.state == .initial && client.lease == nil)
        #expect(client.nextDeadline == Self.at(5))
        #expect(client.poll(now: Self.at(4)) == DHCPClient.Output())
        let again = try Self.only(client.poll(now: Self.at(5)))
        #expect(again.message.messageType == .discover && client.state == .selecting)
        #expect(again.message.transactionID != discover.message.transactionID)
    }

    @Test func aNakWhileRenewingLosesTheAddress() throws {
        var (client, lease) = try Self.boundClient()
        let renew = try Self.only(client.poll(now: lease.renewAt))
        let output = client.receive(FakeDHCPServer().reply(to: renew.message, .nak), now: lease.renewAt + .seconds(1))
        #expect(output == DHCPClient.Output(event: .lost))
        #expect(client.state == .initial && client.lease == nil)
        let discover = try Self.only(client.poll(now: try #require(client.nextDeadline)))
        #expect(discover.message.messageType == .discover)
    }

    @Test func expiryLosesTheAddressAndRediscovers() throws {
        var (client, lease) = try Self.boundClient()
        var now = lease.renewAt
        var last = DHCPClient.Output()
        while client.lease != nil {
            now = try #require(client.nextDeadline)
            #expect(now <= lease.expiresAt)
            last = client.poll(now: now)
        }
        #expect(now == lease.expiresAt)
        #expect(last.event == .lost)
        let discover = try Self.only(last)
        #expect(discover.message.messageType == .discover && discover.source == .any)
        #expect(client.state == .selecting)
        // And a new lease from there.
        let server = FakeDHCPServer()
        let request = try Self.only(client.receive(server.reply(to: discover.message, .offer), now: now + .seconds(1)))
        let output = client.receive(server.reply(to: request.message, .ack), now: now + .seconds(2))
        guard case .bound(let second)? = output.event else {
            Issue.record("not bound again: \(output)")
            return
        }
        #expect(second.acquiredAt == now + .seconds(1))
    }

    @Test func aLongSleepSkipsStraightToRebindingOrExpiry() throws {
        var (client, lease) = try Self.boundClient()
        let rebind = try Self.only(client.poll(now: lease.rebindAt + .seconds(10)))
        #expect(client.state == .rebinding && rebind.destination == .broadcast)
        let output = client.poll(now: lease.expiresAt + .seconds(10))
        #expect(output.event == .lost && client.state == .selecting)
    }

    @Test func retransmitsWithExponentialBackoffAndJitter() throws {
        var client = DHCPClient(macAddress: Self.mac, seed: 77)
        let first = try Self.only(client.start(now: Self.at(0)))
        var now = Self.at(0)
        var sent = [first]
        let firstDeadline = client.nextDeadline
        var gaps: [UInt64] = []
        for _ in 0..<7 {
            let deadline = try #require(client.nextDeadline)
            #expect(client.poll(now: MonotonicInstant(nanoseconds: deadline.nanoseconds - 1_000_000)) == DHCPClient.Output())
            gaps.append((deadline.nanoseconds - now.nanoseconds) / 1_000_000)
            now = deadline
            sent.append(try Self.only(client.poll(now: now)))
        }
        for (gap, base) in zip(gaps, [4, 8, 16, 32, 64, 64, 64] as [UInt64]) {
            #expect(gap >= (base - 1) * 1000 && gap <= (base + 1) * 1000, "gap \(gap) ms for \(base) s")
        }
        #expect(Set(gaps).count > 1)   // the jitter is not constant
        #expect(sent.allSatisfy { $0.message.transactionID == first.message.transactionID && $0.message.messageType == .discover })
        #expect(sent.last?.message.secondsElapsed == UInt16(now.nanoseconds / 1_000_000_000))

        // The same seed gives the same schedule; another seed another one.
        var twin = DHCPClient(macAddress: Self.mac, seed: 77)
        #expect(try Self.only(twin.start(now: Self.at(0))) == first)
        #expect(twin.nextDeadline == firstDeadline)
        var stranger = DHCPClient(macAddress: Self.mac, seed: 78)
        #expect(try Self.only(stranger.start(now: Self.at(0))).message.transactionID != first.message.transactionID)
    }

    @Test func givesUpOnARequestAfterFourTries() throws {
        var client = DHCPClient(macAddress: Self.mac, seed: 5)
        let discover = try Self.only(client.start(now: Self.at(0)))
        let request = try Self.only(client.receive(FakeDHCPServer().reply(to: discover.message, .offer), now: Self.at(1)))
        var now = Self.at(1)
        var requests = [request]
        while true {
            now = try #require(client.nextDeadline)
            let sent = try Self.only(client.poll(now: now))
            if sent.message.messageType == .discover {
                #expect(sent.message.transactionID != discover.message.transactionID)
                break
            }
            requests.append(sent)
        }
        #expect(requests.count == 4)
        #expect(requests.allSatisfy { $0.message.transactionID == discover.message.transactionID })
        #expect(now > Self.at(1 + 56) && now < Self.at(1 + 64))   // 4 + 8 + 16 + 32 s, ±1 s each
        #expect(client.state == .selecting)
    }

    @Test func ignoresRepliesThatAreNotForIt() throws {
        var client = DHCPClient(macAddress: Self.mac, seed: 11)
        let server = FakeDHCPServer()
        let discover = try Self.only(client.start(now: Self.at(0)))
        var wrongID = server.reply(to: discover.message, .offer)
        wrongID.transactionID &+= 1
        var wrongMAC = server.reply(to: discover.message, .offer)
        wrongMAC.clientHardwareAddress = MACAddress(0x02, 0, 0, 0, 0, 0x43)
        var fromAClient = server.reply(to: discover.message, .offer)
        fromAClient.operation = .request
        var noType = server.reply(to: discover.message, .offer)
        noType.messageType = nil
        var noServer = server.reply(to: discover.message, .offer)
        noServer.serverIdentifier = nil
        var zeroAddress = server.reply(to: discover.message, .offer)
        zeroAddress.yourAddress = .any
        var holeyMask = server.reply(to: discover.message, .offer)
        holeyMask.subnetMask = IPv4Address(255, 0, 255, 0)
        for message in [wrongID, wrongMAC, fromAClient, noType, noServer, zeroAddress, holeyMask,
                        server.reply(to: discover.message, .ack), server.reply(to: discover.message, .nak)] {
            #expect(client.receive(message, now: Self.at(1)) == DHCPClient.Output())
            #expect(client.state == .selecting)
        }
        let request = try Self.only(client.receive(server.reply(to: discover.message, .offer), now: Self.at(1)))
        var lateAck = server.reply(to: request.message, .ack)
        lateAck.transactionID &+= 1
        #expect(client.receive(lateAck, now: Self.at(2)) == DHCPClient.Output())
        #expect(client.state == .requesting)
    }

    @Test func validatesAcks() throws {
        var noLease = FakeDHCPServer()
        noLease.leaseTime = nil
        var client = DHCPClient(macAddress: Self.mac, seed: 2)
        let discover = try Self.only(client.start(now: Self.at(0)))
        let request = try Self.only(client.receive(noLease.reply(to: discover.message, .offer), now: Self.at(0)))
        #expect(client.receive(noLease.reply(to: request.message, .ack), now: Self.at(1)) == DHCPClient.Output())
        var zeroLease = FakeDHCPServer()
        zeroLease.leaseTime = 0
        #expect(client.receive(zeroLease.reply(to: request.message, .ack), now: Self.at(1)) == DHCPClient.Output())
        #expect(client.state == .requesting)

        // T1 and T2 from the server when in order, else 1/2 and 7/8 of the lease.
        var ordered = FakeDHCPServer()
        ordered.leaseTime = 1000
        ordered.renewalTime = 300
        ordered.rebindingTime = 600
        let lease = try Self.boundClient(server: ordered).1
        #expect(lease.renewAt == Self.at(401) && lease.rebindAt == Self.at(701) && lease.expiresAt == Self.at(1101))
        var disordered = ordered
        disordered.renewalTime = 700
        let fallback = try Self.boundClient(server: disordered).1
        #expect(fallback.renewAt == Self.at(601) && fallback.rebindAt == Self.at(976) && fallback.expiresAt == Self.at(1101))
        var tooLong = ordered
        tooLong.rebindingTime = 1000
        #expect(try Self.boundClient(server: tooLong).1.rebindAt == Self.at(976))

        // No mask: /24. Infinite lease: no deadline while bound.
        var plain = FakeDHCPServer()
        plain.subnetMask = nil
        plain.leaseTime = 0xFFFF_FFFF
        let (forever, infinite) = try Self.boundClient(server: plain)
        #expect(infinite.address.length == 24)
        #expect(forever.nextDeadline == nil)
        var wide = FakeDHCPServer()
        wide.subnetMask = IPv4Address(255, 255, 0, 0)
        #expect(try Self.boundClient(server: wide).1.address.length == 16)
    }

    @Test func declinesAndReleases() throws {
        var (client, lease) = try Self.boundClient()
        let declined = client.decline(now: Self.at(103))
        #expect(declined.event == .lost && client.state == .initial && client.lease == nil)
        let decline = try Self.only(declined)
        #expect(decline.message.messageType == .decline && decline.destination == .broadcast && decline.source == .any)
        #expect(decline.message.requestedAddress == lease.address.address && decline.message.serverIdentifier == lease.server)
        #expect(client.nextDeadline == Self.at(113))

        var (other, _) = try Self.boundClient()
        let released = other.release(now: Self.at(200))
        let release = try Self.only(released)
        #expect(released.event == .lost && other.state == .initial && other.nextDeadline == nil)
        #expect(release.message.messageType == .release && release.destination == Self.server && release.source == Self.address)
        #expect(release.message.clientAddress == Self.address && release.message.serverIdentifier == Self.server)
        #expect(other.release(now: Self.at(201)) == DHCPClient.Output())
    }

    @Test func restartingWhileBoundReportsTheLoss() throws {
        var (client, _) = try Self.boundClient()
        let output = client.start(now: Self.at(500))
        #expect(output.event == .lost && client.state == .selecting && client.lease == nil)
    }

    @Test func transmissionsSurviveTheWire() throws {
        // What the client sends parses back the same after emit.
        var (client, lease) = try Self.boundClient()
        for transmission in client.poll(now: lease.renewAt).transmissions {
            var bytes: [UInt8] = []
            transmission.message.emit(into: &bytes)
            #expect(try DHCPMessage.parse(bytes[...]) == transmission.message)
        }
    }
}
