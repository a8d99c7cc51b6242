import Foundation

/// The commands that run a virtio unikernel and its images: QEMU from the disk (BIOS and
/// GRUB) or from the kernel (PVH), Firecracker, Cloud Hypervisor, and Google Compute Engine.
/// The unikernel's block and network devices are attached in the order config.swift declares
/// them, from the files and tap devices given after `--` (`--block:NAME=FILE`, `--net:NAME=TAP`).
struct RunCommands {
    let request: DiskImages.Request
    let kernel: URL
    let files: [(format: ImageFormat, url: URL)]
    /// Where Firecracker's configuration is written.
    let firecrackerFile: URL

    /// A block device and the file that backs it; `placeholder` when none was given.
    struct Disk {
        var name: String
        var path: String
        var placeholder: Bool
    }

    /// A network device and the host's tap device it is plugged into.
    struct Interface {
        var name: String
        var tap: String
        var mac: String?
    }

    var disks: [Disk] {
        request.devices.filter { $0.type == .block }.map { device in
            if let file = request.deviceOptions["--block:\(device.name)"] {
                return Disk(name: device.name, path: Self.display(URL(fileURLWithPath: file)), placeholder: false)
            }
            let prefix = "--block:\(device.name)="
            if let built = request.defaultDisks.first(where: { $0.hasPrefix(prefix) }) {
                return Disk(name: device.name, path: Self.display(URL(fileURLWithPath: String(built.dropFirst(prefix.count)))), placeholder: false)
            }
            return Disk(name: device.name, path: "\(device.name).img", placeholder: true)
        }
    }

    var interfaces: [Interface] {
        request.devices.filter { $0.type == .network }.enumerated().map { index, device in
            Interface(name: device.name, tap: request.deviceOptions["--net:\(device.name)"] ?? "tap\(index)",
                      mac: request.deviceOptions["--net-mac:\(device.name)"])
        }
    }

    static let qemuCommon = ["-m", "128M", "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot",
                             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]

    /// QEMU booting the disk through SeaBIOS and GRUB, with virtio PCI devices.
    func qemuDisk() -> [String]? {
        guard let disk = files.first(where: { $0.format == .raw }) ?? files.first(where: { $0.format == .qcow2 }) else { return nil }
        var command = ["qemu-system-x86_64", "-M", "q35"] + Self.qemuCommon
            + ["-drive", "file=\(Self.qemuOption(Self.display(disk.url))),format=\(disk.format == .raw ? "raw" : "qcow2")"]
        command += qemuDevices(bus: "pci")
        return command
    }

    /// QEMU's microvm loading the kernel by PVH, with virtio-mmio devices.
    func qemuKernel() -> [String] {
        // Modern (virtio 1.x) MMIO devices, as `swiftlet run` and Firecracker use.
        var command = ["qemu-system-x86_64", "-M", "microvm"] + Self.qemuCommon
            + ["-global", "virtio-mmio.force-legacy=false", "-kernel", Self.display(kernel)]
        if !request.kernelArguments.arguments.isEmpty { command += ["-append", request.kernelArguments.kernelText] }
        return command + qemuDevices(bus: "device")
    }

    /// The devices in the manifest's order, as `swiftlet run` attaches them (the drivers take
    /// them in that order).
    private func qemuDevices(bus: String) -> [String] {
        let disks = self.disks, interfaces = self.interfaces
        var options: [String] = []
        for (index, device) in request.devices.enumerated() {
            if let disk = disks.first(where: { $0.name == device.name && device.type == .block }) {
                options += ["-drive", "file=\(Self.qemuOption(disk.path)),if=none,format=raw,id=disk\(index)",
                            "-device", "virtio-blk-\(bus),drive=disk\(index)"]
            } else if let interface = interfaces.first(where: { $0.name == device.name && device.type == .network }) {
                options += ["-netdev", "tap,id=net\(index),ifname=\(Self.qemuOption(interface.tap)),script=no,downscript=no",
                            "-device", "virtio-net-\(bus),netdev=net\(index)" + (interface.mac.map { ",mac=\($0)" } ?? "")]
            }
        }
        return options
    }

    func cloudHypervisor() -> [String] {
        var command = ["cloud-hypervisor", "--kernel", Self.display(kernel)]
        if !request.kernelArguments.arguments.isEmpty { command += ["--cmdline", request.kernelArguments.kernelText] }
        command += ["--cpus", "boot=1", "--memory", "size=128M", "--serial", "tty", "--console", "off"]
        for disk in disks { command += ["--disk", "path=\(disk.path)"] }
        for interface in interfaces { command += ["--net", "tap=\(interface.tap)" + (interface.mac.map { ",mac=\($0)" } ?? "")] }
        return command
    }

    /// Firecracker's `--config-file`: the kernel and its command line, one vCPU, 128 MiB, the
    /// devices. Paths are absolute, so it runs from any folder.
    func firecrackerConfiguration() throws -> Data {
        let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        let configuration: [String: Any] = [
            "boot-source": ["kernel_image_path": kernel.standardizedFileURL.path,
                            "boot_args": request.kernelArguments.kernelText],
            "machine-config": ["vcpu_count": 1, "mem_size_mib": 128],
            "drives": disks.map { ["drive_id": $0.name, "path_on_host": absolute($0.path),
                                   "is_root_device": false, "is_read_only": false] as [String: Any] },
            "network-interfaces": interfaces.map { interface -> [String: Any] in
                var entry: [String: Any] = ["iface_id": interface.name, "host_dev_name": interface.tap]
                if let mac = interface.mac { entry["guest_mac"] = mac }
                return entry
            },
        ]
        return try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            + Data("\n".utf8)
    }

    /// A Compute Engine image and instance name: lowercase letters, digits and hyphens,
    /// starting with a letter, at most 63 characters.
    var cloudName: String {
        var name = String(request.name.lowercased().unicodeScalars.map { scalar -> Character in
            (("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)) ? Character(scalar) : "-"
        })
        if !(name.first?.isLetter ?? false) { name = "u-" + name }
        while name.hasSuffix("-") { name.removeLast() }
        return String(name.prefix(63))
    }

    /// The instructions `swiftlet mkimage` prints.
    func text() -> String {
        var text = ""
        func section(_ title: String, _ commands: [[String]]) {
            text += "\(title)\n"
            for command in commands { text += "  " + command.map(KernelCommandLine.shellWord).joined(separator: " ") + "\n" }
            text += "\n"
        }
        if let disk = qemuDisk() { section("QEMU, booting the disk (BIOS, GRUB):", [disk]) }
        section("QEMU, loading the kernel (PVH):", [qemuKernel()])
        section("Firecracker:", [["firecracker", "--no-api", "--config-file", Self.display(firecrackerFile)]])
        section("Cloud Hypervisor:", [cloudHypervisor()])
        if let tarball = files.first(where: { $0.format == .gce }) {
            let object = "gs://BUCKET/\(tarball.url.lastPathComponent)"
            section("Google Compute Engine (BUCKET: a Cloud Storage bucket of yours, made once with gsutil mb gs://BUCKET):", [
                ["gsutil", "cp", Self.display(tarball.url), object],
                ["gcloud", "compute", "images", "create", cloudName, "--source-uri", object],
                ["gcloud", "compute", "instances", "create", cloudName, "--image", cloudName, "--machine-type", "e2-small",
                 "--metadata", "serial-port-enable=1"],
                ["gcloud", "compute", "connect-to-serial-port", cloudName],
            ])
        }
        if disks.contains(where: \.placeholder) {
            text += "Make the disks named above first (truncate -s 64M NAME.img), or give them: swiftlet mkimage -- --block:NAME=FILE\n"
        }
        if !interfaces.isEmpty {
            text += "The tap devices must exist (ip tuntap add dev tap0 mode tap); give others with -- --net:NAME=TAP.\n"
        }
        text += "Under QEMU the unikernel's exit status s ends QEMU with status 2s+1 (status 0 ends it with 0).\n"
        return text
    }

    /// A path as the user would type it: relative to the current folder when inside it.
    static func display(_ url: URL) -> String {
        let current = FileManager.default.currentDirectoryPath + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(current) ? String(path.dropFirst(current.count)) : path
    }

    /// QEMU's option syntax doubles commas inside a value.
    static func qemuOption(_ value: String) -> String {
        value.replacingOccurrences(of: ",", with: ",,")
    }
}
