import Foundation
import SwiftletRuntime

/// The QEMU command line that boots a virtio unikernel (`swiftlet run -t virtio`).
///
/// `swiftlet run` takes the same device words as on the other targets, plus a few for QEMU:
/// - `--net:NAME=TAP` attaches network device NAME to a tap device, `--net:NAME=user[,OPTIONS]`
///   to QEMU's user network (`--net:service=user,hostfwd=tcp:127.0.0.1:8080-:8080`);
///   `--net-mac:NAME=MAC` sets its MAC address;
/// - `--block:NAME=FILE` attaches block device NAME to a raw disk image;
/// - `--virtio:machine=microvm|q35` (virtio-mmio or PCI devices), `--virtio:memory=SIZE`,
///   `--virtio:accel=tcg|kvm`.
/// Every other argument goes to the unikernel, on QEMU's `-append`.
struct QEMUCommand {
    enum Machine: String, CaseIterable {
        case microvm, q35
    }

    var machine = Machine.microvm
    var memory = "128M"
    var accelerator: String?
    var kernel: String
    var kernelArguments: [String] = []
    /// `-netdev`/`-drive` and `-device` words, in the manifest's order (the order the drivers
    /// attach devices in).
    var deviceArguments: [String] = []

    static let program = "qemu-system-x86_64"
    static let optionPrefix = "--virtio:"

    /// A command for `kernel` with no arguments and no devices.
    init(kernel: String) {
        self.kernel = kernel
    }

    /// The command for `image` with the run arguments `arguments` and the unikernel's devices.
    init(image: String, devices: [Solo5Manifest.Entry], arguments: [String]) throws(ToolError) {
        kernel = image
        var attachments: [String: String] = [:]
        var macAddresses: [String: String] = [:]
        for argument in arguments {
            if argument.hasPrefix(Self.optionPrefix) {
                try setOption(String(argument.dropFirst(Self.optionPrefix.count)))
            } else if let device = DeviceOption(argument) {
                switch device.option {
                case "--net-mac:": macAddresses[device.name] = device.value
                case "--net:", "--block:": attachments[device.name] = device.value
                default: throw .usage("\(device.option) is an option of the Solo5 tenders, not of QEMU")
                }
            } else {
                kernelArguments.append(argument)
            }
        }
        for name in attachments.keys where !devices.contains(where: { $0.name == name }) {
            throw ToolError("the unikernel has no device '\(name)'",
                            hint: devices.isEmpty ? "it declares no block or network devices"
                                : "its devices: " + devices.map(\.name).joined(separator: ", "))
        }
        for (index, device) in devices.enumerated() {
            try attach(device, index: index, to: attachments[device.name], mac: macAddresses[device.name])
        }
    }

    private mutating func setOption(_ option: String) throws(ToolError) {
        let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else {
            throw .usage("--virtio:\(option) needs a value", hint: "e.g. --virtio:machine=q35, --virtio:memory=256M")
        }
        switch parts[0] {
        case "machine":
            guard let chosen = Machine(rawValue: parts[1]) else {
                throw .usage("unknown machine '\(parts[1])'", hint: "choose microvm (virtio-mmio) or q35 (PCI)")
            }
            machine = chosen
        case "memory": memory = parts[1]
        case "accel": accelerator = parts[1]
        default:
            throw .usage("unknown option --virtio:\(parts[0])", hint: "the options are --virtio:machine, --virtio:memory, --virtio:accel")
        }
    }

    private mutating func attach(_ device: Solo5Manifest.Entry, index: Int, to value: String?, mac: String?) throws(ToolError) {
        let bus = machine == .microvm ? "device" : "pci"
        switch device.type {
        case .network:
            guard let value else {
                throw ToolError("network device '\(device.name)' is not attached",
                                hint: "add --net:\(device.name)=TAP (a tap device) or "
                                    + "--net:\(device.name)=user,hostfwd=tcp:127.0.0.1:8080-:8080 (QEMU's user network)")
            }
            let id = "net\(index)"
            let backend = value == "user" || value.hasPrefix("user,")
                ? "user,id=\(id)" + value.dropFirst(4)
                : "tap,id=\(id),ifname=\(value),script=no,downscript=no"
            deviceArguments += ["-netdev", backend, "-device", "virtio-net-\(bus),netdev=\(id)" + (mac.map { ",mac=\($0)" } ?? "")]
        case .block:
            guard let value else {
                throw ToolError("block device '\(device.name)' is not attached", hint: "add --block:\(device.name)=FILE (a raw disk image)")
            }
            let id = "disk\(index)"
            // QEMU takes commas in option values doubled.
            deviceArguments += ["-drive", "file=\(value.replacingOccurrences(of: ",", with: ",,")),if=none,format=raw,id=\(id)",
                                "-device", "virtio-blk-\(bus),drive=\(id)"]
        }
    }

    /// QEMU and the machine, without the kernel and the devices: serial console on stdio,
    /// no default devices, the debug-exit port for the exit status, no reboot, a CPU with RDRAND.
    var commonArguments: [String] {
        // microvm announces its virtio-mmio devices on the kernel command line only without ACPI.
        var words = [Self.program, "-M", machine == .microvm ? "microvm,acpi=off" : machine.rawValue, "-m", memory]
        if let accelerator { words += ["-accel", accelerator] }
        // The entropy source is the CPU's RDRAND/RDSEED, which QEMU's default CPU model lacks.
        return words + ["-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot",
                        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-cpu", accelerator == "kvm" ? "host" : "max"]
    }

    /// The whole command, program first.
    var arguments: [String] {
        var words = commonArguments
        // Modern (virtio 1.x) MMIO devices, as Firecracker has; QEMU's default is the legacy ones.
        if machine == .microvm { words += ["-global", "virtio-mmio.force-legacy=false"] }
        words += ["-kernel", kernel]
        if !kernelArguments.isEmpty { words += ["-append", joinCommandLine(kernelArguments)] }
        // The host's entropy, for the random device and the stack's secrets.
        words += ["-device", machine == .microvm ? "virtio-rng-device" : "virtio-rng-pci"]
        return words + deviceArguments
    }

    /// The unikernel's exit status from QEMU's: isa-debug-exit ends QEMU with (s << 1) | 1 for a
    /// status s written by the unikernel (never 0: status 0 ends in a reset, which -no-reboot
    /// turns into exit status 0). QEMU's own failures exit 1. 255 stays 255 (an abort).
    static func unikernelStatus(fromQEMUStatus status: Int32) -> Int32 {
        switch status {
        case 0, 1, 255: status
        default: status & 1 == 1 ? status >> 1 : status
        }
    }
}
