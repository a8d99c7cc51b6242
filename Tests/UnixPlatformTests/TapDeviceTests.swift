import Foundation
import Testing
import SwiftletDevices
import SwiftletRuntime
@testable import SwiftletUnix

@Suite struct TapDeviceTests {
    /// Why the tap test cannot run here, or nil when it can.
    static var reasonToSkip: String? {
        if getuid() != 0 { return "not root (run as root or give CAP_NET_ADMIN)" }
        if !FileManager.default.fileExists(atPath: "/dev/net/tun") { return "/dev/net/tun is missing" }
        if Host.find("ip") == nil { return "ip is not installed (apt-get install iproute2)" }
        if Host.find("ping") == nil { return "ping is not installed (apt-get install iputils-ping)" }
        return nil
    }

    @Test func answersTheKernelsARPRequest() throws {
        if let reason = Self.reasonToSkip {
            print("TapDeviceTests: skipped: \(reason)")
            return
        }
        let suffix = String(UInt32.random(in: 0x100000...0xFFFFFF), radix: 16)
        let name = "swt" + suffix
        let namespace = "swtns" + suffix
        let added = try Host.run(["ip", "netns", "add", namespace])
        try #require(added.status == 0, "ip netns add: \(added.output)")
        var ping: Process?
        var tap: TapDevice?
        defer {
            if let ping { Host.stop(ping) }
            tap?.close()
            _ = try? Host.run(["ip", "netns", "del", namespace])
        }

        try runOnUnixLoop(seconds: 15) { loop in
            let device = try TapDevice(name: name, loop: loop)
            tap = device
            #expect(device.mtu == 1500)
            let octets = device.macAddress.bytes
            #expect(octets[0] & 0x01 == 0 && octets[0] & 0x02 == 2, "unicast, locally administered")
            for command in [["ip", "link", "set", name, "netns", namespace],
                            ["ip", "-n", namespace, "link", "set", name, "up"],
                            ["ip", "-n", namespace, "addr", "add", "10.77.0.1/24", "dev", name]] {
                let result = try Host.run(command)
                try #require(result.status == 0, "\(command.joined(separator: " ")): \(result.output)")
            }
            ping = try Host.start(["ip", "netns", "exec", namespace, "ping", "-c1", "-W1", "10.77.0.2"])

            // The kernel may send IPv6 neighbour discovery first: skip everything but our ARP.
            var request: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: device.mtu + 14)
            while request.isEmpty {
                let length = try await device.receive(into: &buffer)
                let frame = Array(buffer[0..<length])
                if frame.count >= 42, frame[12] == 0x08, frame[13] == 0x06,  // ARP
                   frame[20] == 0, frame[21] == 1,  // request
                   frame[28..<32].elementsEqual([10, 77, 0, 1]), frame[38..<42].elementsEqual([10, 77, 0, 2]) {
                    request = frame
                }
            }
            let kernelMAC = Array(request[22..<28])
            #expect(Array(request[6..<12]) == kernelMAC)
            #expect(Array(request[0..<6]) == [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])

            var reply = kernelMAC + device.macAddress.bytes + [0x08, 0x06]
            reply += [0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02]  // Ethernet, IPv4, reply
            reply += device.macAddress.bytes + [10, 77, 0, 2] + kernelMAC + [10, 77, 0, 1]
            reply += [UInt8](repeating: 0, count: 60 - reply.count)
            try await device.transmit(reply)

            // The kernel learns the address as it processes the reply: ask until it has.
            let expected = "lladdr \(device.macAddress)"
            var table = ""
            let deadline = loop.platform.monotonicNow() + .seconds(3)
            while !table.contains(expected) && loop.platform.monotonicNow() < deadline {
                table = try Host.run(["ip", "-n", namespace, "neigh", "show", "10.77.0.2"]).output
                if !table.contains(expected) { await loop.sleep(until: loop.platform.monotonicNow() + .milliseconds(20)) }
            }
            #expect(table.contains(expected), "neighbour table: \(table)")
        }
    }

    @Test func refusesBadNamesAndExplainsSetupMistakes() throws {
        try runOnUnixLoop { loop in
            do {
                _ = try TapDevice(name: "a/b", loop: loop)
                Issue.record("a name with '/' was accepted")
            } catch {
                guard case .invalidArgument? = error as? NetError else { throw error }
            }
            do {
                _ = try TapDevice(name: "averyveryverylongname", loop: loop)
                Issue.record("a 21-character name was accepted")
            } catch {
                guard case .invalidArgument? = error as? NetError else { throw error }
            }
        }
        // The messages for the two common setup mistakes say what to do.
        let forbidden = TapDevice.openingError(name: "tap0", code: EPERM, failedStep: 1)
        #expect(String(describing: forbidden).contains("run as root or give CAP_NET_ADMIN"), "\(forbidden)")
        let denied = TapDevice.openingError(name: "tap0", code: EACCES, failedStep: 0)
        #expect(String(describing: denied).contains("run as root or give CAP_NET_ADMIN"), "\(denied)")
        let missing = TapDevice.openingError(name: "tap0", code: ENOENT, failedStep: 0)
        #expect(String(describing: missing).contains("/dev/net/tun is missing"), "\(missing)")
    }
}
