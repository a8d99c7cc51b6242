import Foundation

/// `swiftlet mkimage`: the disk and cloud images of a unikernel built for virtio, and the
/// commands that run it on each hypervisor.
extension Tool {
    func makeImages(_ invocation: Invocation, formats: [ImageFormat]) throws(ToolError) {
        let folder = invocation.folder
        let name = folder.directory.lastPathComponent
        guard FileManager.default.fileExists(atPath: folder.configFile.path) else {
            throw ToolError("\(folder.directory.path) has no config.swift",
                            hint: "run swiftlet mkimage in a unikernel's folder, or pass -C DIR")
        }
        let saved = (try? Data(contentsOf: folder.planFile)).flatMap { try? JSONDecoder().decode(BuildPlan.self, from: $0) }
        guard let saved else {
            throw ToolError("\(name) is not configured; disk images are made from a virtio unikernel",
                            hint: "run swiftlet configure -t virtio, then swiftlet mkimage")
        }
        guard saved.target == .virtio else {
            throw ToolError("\(name) is configured for \(saved.target.rawValue); disk images are made from a virtio unikernel",
                            hint: "run swiftlet configure -t virtio, then swiftlet mkimage")
        }
        // Everything that can be checked before a build is.
        let request = try DiskImages.Request(name: saved.unikernel.name, runtimeArguments: invocation.runtimeArguments,
                                             formats: formats, devices: Solo5Manifest(plan: saved).entries)
        let tools = try DiskImages.Tools.locate(for: formats)
        let plan = try plan(for: invocation)
        let kernel = try ImageBuilder(home: try SwiftletHome.locate()).build(plan, in: folder)
        var attached = request
        attached.devices = Solo5Manifest(plan: plan).entries
        attached.defaultDisks = StoreAssets(plan: plan, folder: folder).blockArguments(besides: [])
        let made = try DiskImages.make(attached, kernel: kernel, tools: tools, dist: folder.distDirectory,
                                       work: folder.buildDirectory.appendingPathComponent("mkimage"))
        output(made.report(kernel: kernel))
    }
}

/// Making the images, apart from configuring and building (so tests can give any kernel).
enum DiskImages {
    /// What to make, from the command line and the build plan.
    struct Request {
        /// The unikernel's name: the images' names.
        var name: String
        /// The arguments for the unikernel itself (device options taken out).
        var kernelArguments: KernelCommandLine
        /// `--block:NAME=FILE`, `--net:NAME=TAP`, `--net-mac:NAME=MAC` given after `--`.
        var deviceOptions: [String: String]
        var formats: [ImageFormat]
        /// The block and network devices the unikernel declares, in order.
        var devices: [Solo5Manifest.Entry]
        /// `--block:NAME=FILE` of the disks `swiftlet build` makes for tar and FAT stores.
        var defaultDisks: [String] = []

        init(name: String, runtimeArguments: [String], formats: [ImageFormat], devices: [Solo5Manifest.Entry]) throws(ToolError) {
            self.name = name
            self.formats = formats
            self.devices = devices
            var options: [String: String] = [:]
            var rest: [String] = []
            for argument in runtimeArguments {
                if let device = DeviceOption(argument) {
                    options[device.option + device.name] = device.value
                } else {
                    rest.append(argument)
                }
            }
            deviceOptions = options
            kernelArguments = try KernelCommandLine(rest)
        }
    }

    /// The host programs the chosen formats need, found before anything is built.
    struct Tools {
        var grub: GRUB
        var qemuImg: String?

        static func locate(for formats: [ImageFormat]) throws(ToolError) -> Tools {
            let grub = try GRUB.locate()
            var qemuImg: String?
            if formats.contains(.qcow2) {
                guard let found = Shell.which("qemu-img") else {
                    throw ToolError("qemu-img is not installed (needed for --format qcow2)", hint: GRUB.installHint)
                }
                qemuImg = found
            }
            if formats.contains(.gce) && Shell.which("gzip") == nil {
                throw ToolError("gzip is not installed (needed for --format gce)", hint: "apt-get install gzip")
            }
            return Tools(grub: grub, qemuImg: qemuImg)
        }
    }

    /// What was made.
    struct Made {
        var request: Request
        /// Each format's file, in `dist/`.
        var files: [(format: ImageFormat, url: URL)]
        var firecrackerConfiguration: URL
        var diskBytes: UInt64
        var commands: RunCommands
    }

    /// Makes the raw disk, then the formats asked for from it, and the Firecracker configuration.
    static func make(_ request: Request, kernel: URL, tools: Tools, dist: URL, work: URL) throws(ToolError) -> Made {
        try GRUB.checkMultiboot2Header(of: kernel)
        do {
            try FileManager.default.createDirectory(at: dist, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: work)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        } catch {
            throw ToolError("cannot create \(work.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: work) }
        let rawURL = request.formats.contains(.raw) ? dist.appendingPathComponent(ImageFormat.raw.fileName(for: request.name))
                                                    : work.appendingPathComponent("disk.img")
        try BootDisk.write(kernel: kernel, title: request.name, arguments: request.kernelArguments, grub: tools.grub,
                           work: work, to: rawURL)
        var files: [(format: ImageFormat, url: URL)] = []
        for format in request.formats {
            let url = dist.appendingPathComponent(format.fileName(for: request.name))
            switch format {
            case .raw:
                break
            case .gce:
                try GCETarball.write(disk: rawURL, work: work, to: url)
            case .qcow2:
                let partial = URL(fileURLWithPath: url.path + ".partial")
                try? FileManager.default.removeItem(at: partial)
                try Shell.compile(tools.qemuImg ?? "qemu-img", ["convert", "-f", "raw", "-O", "qcow2", rawURL.path, partial.path],
                                  what: "qemu-img convert (making \(url.lastPathComponent))")
                try replace(url, with: partial)
            }
            files.append((format, url))
        }
        let diskBytes = ((try? FileManager.default.attributesOfItem(atPath: rawURL.path))?[.size] as? NSNumber)?.uint64Value ?? 0
        let firecracker = dist.appendingPathComponent("\(request.name).firecracker.json")
        let commands = RunCommands(request: request, kernel: kernel, files: files, firecrackerFile: firecracker)
        do {
            try commands.firecrackerConfiguration().write(to: firecracker)
        } catch {
            throw ToolError("cannot write \(firecracker.path): \(error.localizedDescription)")
        }
        return Made(request: request, files: files, firecrackerConfiguration: firecracker, diskBytes: diskBytes, commands: commands)
    }
}

extension DiskImages.Made {
    /// What `swiftlet mkimage` prints: the files, then how to run each.
    func report(kernel: URL) -> String {
        let arguments = request.kernelArguments.arguments
        var text = "Made from \(RunCommands.display(kernel))"
            + (arguments.isEmpty ? "" : " with arguments \(arguments.map(KernelCommandLine.shellWord).joined(separator: " "))") + ":\n"
        var rows: [(String, String)] = []
        for (format, url) in files {
            switch format {
            case .raw: rows.append((RunCommands.display(url), "raw disk (\(Self.size(diskBytes))): GRUB for BIOS, the kernel on a FAT partition"))
            case .gce: rows.append((RunCommands.display(url), "Google Compute Engine image: disk.raw, \(Self.size(GCETarball.paddedSize(diskBytes)))"))
            case .qcow2: rows.append((RunCommands.display(url), "the disk as qcow2"))
            }
        }
        rows.append((RunCommands.display(firecrackerConfiguration), "Firecracker's configuration"))
        let width = rows.map(\.0.count).max() ?? 0
        for (file, what) in rows { text += "  \(file.padding(toLength: width + 2, withPad: " ", startingAt: 0))\(what)\n" }
        text += "\n" + commands.text()
        return text
    }

    static func size(_ bytes: UInt64) -> String {
        bytes >= 1 << 30 ? "\(bytes >> 30) GiB" : String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }
}

extension GCETarball {
    /// The size `disk.raw` has in the archive: the disk's, rounded up to whole GiB.
    static func paddedSize(_ diskSize: UInt64) -> UInt64 {
        max(1, (diskSize + gibibyte - 1) / gibibyte) * gibibyte
    }
}
