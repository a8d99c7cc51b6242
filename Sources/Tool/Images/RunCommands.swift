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

    /// QEMU booting the disk through SeaBIOS and GRUB, with virtio PCI devices.
    func qemuDisk() -> [String]? {
        guard let disk = files.first(where: { $0.format == .raw }) ?? files.first(where: { $0.format == .qcow2 }) else { return nil }
        let pci = qemu(["--virtio:machine=q35"])
        return pci.commonArguments
            + ["-drive", "file=\(Self.qemuOption(Self.display(disk.url))),format=\(disk.format == .raw ? "raw" : "qcow2")"]
            + pci.deviceArguments
    }

    /// QEMU's microvm loading the kernel by PVH, with virtio-mmio devices: what `swiftlet run`
    /// runs.
    func qemuKernel() -> [String] {
        qemu(request.kernelArguments.arguments).arguments
    }

    /// The devices in the manifest's order, as `swiftlet run` attaches them (the drivers take
    /// them in that order).
    private func qemu(_ arguments: [String]) -> QEMUCommand {
        let attachments = disks.map { "--block:\($0.name)=\($0.path)" }
            + interfaces.flatMap { interface in
                ["--net:\(interface.name)=\(interface.tap)"] + (interface.mac.map { ["--net-mac:\(interface.name)=\($0)"] } ?? [])
            }
        // Every device is attached above, so this cannot fail.
        return (try? QEMUCommand(image: Self.display(kernel), devices: request.devices, arguments: attachments + arguments))
            ?? QEMUCommand(kernel: Self.display(kernel))
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
