#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSwiftletUnix
import SwiftletDevices
import SwiftletRuntime

/// A Linux tap interface: the unix target's Ethernet device (`--net direct`). Frames this
/// device transmits arrive on the host's interface `name`, and frames the host sends out of
/// that interface are what ``receive(into:)`` returns.
///
/// ```swift
/// let tap = try TapDevice(name: "tap0", loop: loop)
/// var buffer = [UInt8](repeating: 0, count: tap.mtu + 14)
/// let length = try await tap.receive(into: &buffer)
/// ```
///
/// Opening a tap needs root or `CAP_NET_ADMIN`. The interface exists while the device is open
/// (unless it was made persistent beforehand, e.g. with `ip tuntap add`).
public final class TapDevice: NetworkInterface {
    /// The host interface's name.
    public let name: String
    /// The address this side uses as its own (not the host interface's address).
    public let macAddress: MACAddress
    /// 1500, Ethernet's.
    public let mtu = 1500

    private let loop: RunLoop<UnixPlatform>
    private var descriptor: Int32

    /// Opens (creating if needed) tap interface `name`. Without `macAddress`, the device picks
    /// a random locally administered unicast address.
    public init(name: String, loop: RunLoop<UnixPlatform>, macAddress: MACAddress? = nil) throws(NetError) {
        // IFNAMSIZ is 16, terminator included; the kernel would silently truncate longer names.
        guard !name.isEmpty, name.utf8.count < 16, !name.utf8.contains(UInt8(ascii: "/")) else {
            throw .invalidArgument("tap interface name \"\(name)\" must be 1 to 15 characters without '/'")
        }
        var failedStep: Int32 = 0
        let result = swiftlet_tap_open(name, &failedStep)
        guard result >= 0 else { throw Self.openingError(name: name, code: -result, failedStep: failedStep) }
        self.name = name
        self.loop = loop
        descriptor = result
        self.macAddress = macAddress ?? Self.randomLocalAddress()
    }

    deinit { close() }

    /// Closes the device; the host interface disappears unless it is persistent. Later calls
    /// fail with ``NetError/closed``.
    public func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    /// Waits for the next frame the host sends out of the interface.
    public func receive(into buffer: inout [UInt8]) async throws(NetError) -> Int {
        guard buffer.count >= mtu + 14 else {
            throw .invalidArgument("receive buffer of \(buffer.count) bytes is smaller than mtu + 14 (\(mtu + 14))")
        }
        while true {
            guard descriptor >= 0 else { throw .closed }
            let fd = descriptor
            let count = buffer.withUnsafeMutableBytes { swiftlet_read(fd, $0.baseAddress, UInt($0.count)) }
            if count >= 0 { return count }
            let code = Int32(truncatingIfNeeded: -count)
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else {
                throw .deviceFailure("reading tap \(name): \(errorText(code))")
            }
            await loop.waitUntilReady(IOInterest(handle: fd, direction: .readable))
        }
    }

    /// Sends one frame out to the host.
    public func transmit(_ frame: [UInt8]) async throws(NetError) {
        guard frame.count >= 14, frame.count <= mtu + 14 else {
            throw .invalidArgument("frame of \(frame.count) bytes is not an Ethernet frame of at most mtu + 14 bytes")
        }
        while true {
            guard descriptor >= 0 else { throw .closed }
            let fd = descriptor
            let count = frame.withUnsafeBytes { swiftlet_write(fd, $0.baseAddress, UInt($0.count)) }
            if count >= 0 { return }  // a tap write takes the whole frame or nothing
            let code = Int32(truncatingIfNeeded: -count)
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else {
                // EIO: the host interface is down.
                throw .deviceFailure("writing to tap \(name): \(errorText(code))")
            }
            await loop.waitUntilReady(IOInterest(handle: fd, direction: .writable))
        }
    }

    static func openingError(name: String, code: Int32, failedStep: Int32) -> NetError {
        if failedStep == 0 && (code == ENOENT || code == ENODEV || code == ENXIO) {
            return .deviceFailure("cannot open tap \(name): /dev/net/tun is missing (\(errorText(code))); load the tun module (modprobe tun) or create the device node")
        }
        if code == EPERM || code == EACCES {
            return .deviceFailure("cannot open tap \(name): \(errorText(code)); run as root or give CAP_NET_ADMIN")
        }
        if failedStep == 1 && code == EBUSY {
            return .deviceFailure("cannot open tap \(name): it is in use by another process (\(errorText(code)))")
        }
        let step = failedStep == 0 ? "opening /dev/net/tun" : "TUNSETIFF"
        return .deviceFailure("cannot open tap \(name): \(step): \(errorText(code))")
    }

    private static func randomLocalAddress() -> MACAddress {
        var random = UnixRandom()
        var bytes = [UInt8](repeating: 0, count: 6)
        random.fill(&bytes)
        // Bit 0 of the first octet clear: unicast; bit 1 set: locally administered.
        return MACAddress(bytes[0] & 0xFC | 0x02, bytes[1], bytes[2], bytes[3], bytes[4], bytes[5])
    }
}

/// The C library's text for `code`, e.g. "Connection refused".
func errorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

extension TapDevice {
    /// Opens tap device `name` for the generated `main.swift` (`--net direct` on unix); if it
    /// cannot be opened, says why and what to do, and exits with status 1.
    ///
    /// The interface must exist: opening a missing one would create a fresh tap that nothing on
    /// the host is connected to, and the unikernel would be unreachable without saying why.
    public static func attach(name: String, loop: RunLoop<UnixPlatform>) -> TapDevice {
        guard if_nametoindex(name) != 0 else {
            Logger(source: "net").error("there is no network interface '\(name)': create the tap device first "
                + "(ip tuntap add dev \(name) mode tap; ip addr add 10.0.0.1/24 dev \(name); ip link set \(name) up), "
                + "or choose an existing one with --interface=NAME")
            loop.platform.exit(status: 1)
        }
        do {
            let device = try TapDevice(name: name, loop: loop)
            Logger(source: "net").info("plugged into tap device \(name)")
            return device
        } catch {
            Logger(source: "net").error("cannot attach tap device '\(name)': \(error)"
                + " (create it with `ip tuntap add dev \(name) mode tap`, or choose another with --interface=NAME)")
            loop.platform.exit(status: 1)
        }
    }
}
