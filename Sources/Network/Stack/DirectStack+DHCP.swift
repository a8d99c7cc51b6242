import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices
import SwiftletRuntime

/// The stack's side of DHCP: the ``DHCPClient`` decides, this sends its messages over UDP and
/// applies its leases to the interface.
extension DirectStack {
    func startDHCP() {
        var client = DHCPClient(macAddress: link.macAddress, seed: random.next())
        let output = client.start(now: now())
        dhcp = client
        log.info("\(link.macAddress) asking for an address with DHCP")
        apply(output)
    }

    func receiveDHCP(_ payload: ArraySlice<UInt8>, now: MonotonicInstant) {
        guard var client = dhcp else { return }
        let message: DHCPMessage
        do {
            message = try DHCPMessage.parse(payload)
        } catch {
            interface.countDrop(DropReason(error))
            return
        }
        let output = client.receive(message, now: now)
        dhcp = client
        apply(output)
    }

    /// Runs the client's timers; returns its next deadline.
    func pollDHCP(now: MonotonicInstant) -> MonotonicInstant? {
        guard var client = dhcp else { return nil }
        if let due = client.nextDeadline, due <= now {
            let wasSelecting = client.state == .selecting
            let output = client.poll(now: now)
            dhcp = client
            // A DISCOVER sent again means no server answered the last one: say so, rather than
            // leave the user waiting in silence.
            if wasSelecting, client.state == .selecting, !output.transmissions.isEmpty {
                let wait = client.nextDeadline.map { $0.nanoseconds > now.nanoseconds ? ($0.nanoseconds - now.nanoseconds + 500_000_000) / 1_000_000_000 : 0 }
                log.warning("no answer from a DHCP server yet; asked again" + (wait.map { ", next try in about \($0) s" } ?? "")
                            + " (is a DHCP server on the link? or give --ipv4=ADDRESS/PREFIX)")
            }
            apply(output)
        }
        return dhcp?.nextDeadline
    }

    private func apply(_ output: DHCPClient.Output) {
        switch output.event {
        case .bound(let lease)?:
            configure(lease)
            log.info("DHCP lease from \(lease.server): \(lease.address)" + (lease.router.map { " via \($0)" } ?? "")
                     + (lease.dnsServers.isEmpty ? "" : ", DNS \(lease.dnsServers.map { $0.description }.joined(separator: " "))")
                     + (lease.routes.isEmpty ? "" : ", routes \(lease.routes.map { $0.description }.joined(separator: ", "))")
                     + (lease.mtu.map { ", MTU \($0)" } ?? ""))
            interface.announce()
            if let settings = interface.settings { logAssembled(settings) }
            addressChanged.wakeAll()
        case .renewed(let lease)?:
            configure(lease)
            log.info("DHCP lease renewed: \(lease.address)")
        case .lost?:
            log.warning("DHCP lease lost; asking again")
            interface.settings = nil
            interface.mtu = link.mtu
            addressChanged.wakeAll()
        case nil:
            break
        }
        for transmission in output.transmissions {
            var bytes: [UInt8] = []
            transmission.message.emit(into: &bytes)
            do {
                try sendUDP(bytes[...], from: DHCPMessage.clientPort, source: transmission.source,
                            to: IPv4Endpoint(address: transmission.destination, port: DHCPMessage.serverPort))
            } catch {
                log.warning("DHCP message not sent: \(error)")
            }
        }
        schedule(dhcp?.nextDeadline)
    }

    /// Applies a lease: the address, the routes (option 121 replaces option 3, RFC 3442 §3),
    /// and the MTU (option 26, never above the link's), which new TCP connections' MSS follows.
    private func configure(_ lease: DHCPLease) {
        interface.settings = IPv4Settings(address: lease.address, gateway: lease.routes.isEmpty ? lease.router : nil,
                                          routes: lease.routes)
        interface.mtu = min(link.mtu, lease.mtu ?? link.mtu)
    }

    /// The current DHCP lease, if the stack uses DHCP and has one.
    public var dhcpLease: DHCPLease? { dhcp?.lease }
}
