import CSwiftletTender
import HostLibc

/// The host resources attached to a unikernel's declared devices, by manifest handle.
public struct AttachedDevices {
    public var networks: [(handle: Int, descriptor: Int32)] = []
    public var blocks: [(handle: Int, descriptor: Int32)] = []
}

/// Opens every `--net:` and `--block:` of `options` and records it in `manifest`. Refuses a
/// device the unikernel does not declare, and a declared device left unattached, saying which
/// flag would fix it.
public func attachDevices(_ options: TenderOptions, to manifest: inout Manifest) throws(TenderError) -> AttachedDevices {
    var devices = AttachedDevices()
    let declared = manifest.devices.map { "\($0.name) (\($0.kind == .block ? "block" : "net"))" }.joined(separator: ", ")
    for (name, tap) in options.networks.sorted(by: { $0.key < $1.key }) {
        guard let handle = manifest.handle(of: name, kind: .network) else {
            throw TenderError("--net:\(name): the unikernel declares no network device '\(name)' (it declares: \(declared.isEmpty ? "none" : declared))")
        }
        var mtu: Int32 = 0
        let descriptor = swiftlet_tap_attach(tap, &mtu)
        guard descriptor >= 0 else { throw TenderError("--net:\(name)=\(tap): cannot attach tap interface '\(tap)' (does it exist? are you root?)") }
        let mac = options.macAddresses[name] ?? randomLocalMAC()
        manifest.attachNetwork(handle: handle, descriptor: descriptor, mac: mac, mtu: UInt16(clamping: mtu))
        devices.networks.append((handle, descriptor))
    }
    for (name, path) in options.blocks.sorted(by: { $0.key < $1.key }) {
        guard let handle = manifest.handle(of: name, kind: .block) else {
            throw TenderError("--block:\(name): the unikernel declares no block device '\(name)' (it declares: \(declared.isEmpty ? "none" : declared))")
        }
        let descriptor = host_open(path, O_RDWR | O_CLOEXEC)
        var status = stat()
        guard descriptor >= 0, fstat(descriptor, &status) == 0 else {
            throw TenderError("--block:\(name)=\(path): cannot open it read-write (\(String(cString: strerror(host_errno()))))")
        }
        let blockSize = options.blockSizes[name] ?? 512
        let capacity = UInt64(status.st_size)
        guard capacity > 0, capacity % UInt64(blockSize) == 0 else {
            throw TenderError("--block:\(name)=\(path): its size (\(capacity) bytes) is not a non-zero multiple of the sector size \(blockSize)")
        }
        manifest.attachBlock(handle: handle, descriptor: descriptor, capacity: capacity, blockSize: blockSize)
        devices.blocks.append((handle, descriptor))
    }
    for name in options.macAddresses.keys where options.networks[name] == nil {
        throw TenderError("--net-mac:\(name) names no attached network device")
    }
    for name in options.blockSizes.keys where options.blocks[name] == nil {
        throw TenderError("--block-sector-size:\(name) names no attached block device")
    }
    if let missing = manifest.unattached.first {
        let flag = missing.kind == .network ? "--net:\(missing.name)=TAP" : "--block:\(missing.name)=FILE"
        throw TenderError("the unikernel declares \(missing.kind == .network ? "network" : "block") device '\(missing.name)' but it is not attached: add \(flag)")
    }

    return devices
}

/// A random, locally administered, unicast MAC address.
func randomLocalMAC() -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 6)
    _ = bytes.withUnsafeMutableBytes { swiftlet_random($0.baseAddress, 6) }
    bytes[0] = (bytes[0] & 0xfe) | 0x02
    return bytes
}
