import Foundation

/// The `swiftlet` command: configure, build, run, describe and clean unikernels.
public struct Tool {
    /// Where messages go; tests capture them.
    var output: (String) -> Void = { print($0, terminator: "") }
    var errorOutput: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }

    public init() {}

    /// Runs the command line `arguments` (program name excluded); returns the exit status.
    /// `run` replaces this process with the unikernel, so it returns only on failure.
    public func main(_ arguments: [String]) -> Int32 {
        do {
            try execute(try Invocation.parse(arguments))
            return 0
        } catch {
            errorOutput(error.description + "\n")
            return error.status
        }
    }

    func execute(_ invocation: Invocation) throws(ToolError) {
        switch invocation.command {
        case .help(let topic):
            output(try Help(folder: invocation.folder).text(for: topic))
        case .version:
            output("swiftlet \(swiftletVersion)\n")
        case .tender(let name):
            output(try TenderBuilder(home: try SwiftletHome.locate()).build(try Target.parse(name)).path + "\n")
        case .mkfs(let format, let source, let image):
            let base = invocation.folder.directory
            let tree = try DirectoryTree(scanning: URL(fileURLWithPath: source, relativeTo: base))
            let imageURL = URL(fileURLWithPath: image, relativeTo: base)
            try format.make(from: tree, to: imageURL)
            output("Wrote \(image): \(tree.files.count) files, \(tree.totalFileBytes) bytes (\(format.rawValue))\n")
        case .configure:
            let plan: BuildPlan
            do throws(ToolError) {
                plan = try configure(invocation)
            } catch {
                throw error.keepingConfiguration(of: invocation.folder)
            }
            let disks = plan.ownedDisks(in: invocation.folder).map { $0.file.lastPathComponent }
            output("Configured \(plan.unikernel.name) for \(plan.target.rawValue): swiftlet build makes dist/\(plan.imageName)"
                   + (disks.isEmpty ? "" : "; disk " + disks.joined(separator: ", ") + " is attached by swiftlet run") + "\n")
        case .build:
            let image = try build(invocation)
            output("Built \(relativePath(image))\n")
        case .run:
            let plan = try plan(for: invocation)
            let image = try ImageBuilder(home: try SwiftletHome.locate()).build(plan, in: invocation.folder)
            // The disk images of tar and FAT key-value stores, attached unless the user attaches others.
            let images = StoreAssets(plan: plan, folder: invocation.folder).blockArguments(besides: invocation.runtimeArguments)
                + plan.ownedDiskArguments(in: invocation.folder, besides: invocation.runtimeArguments)
            if plan.target == .virtio {
                let command = try QEMUCommand(image: relativePath(image), devices: Solo5Manifest(plan: plan).entries,
                                              arguments: images + invocation.runtimeArguments)
                exit(try runQEMU(command))
            }
            try run(image, on: plan.target, arguments: images + invocation.runtimeArguments)
        case .mkimage(let formats):
            try makeImages(invocation, formats: formats)
        case .describe:
            output(try plan(for: invocation).describe())
        case .clean:
            let folder = invocation.folder
            // The disks the configuration made go too, as MirageOS's `mirage clean` removes them.
            let saved = (try? Data(contentsOf: folder.planFile)).flatMap { try? JSONDecoder().decode(BuildPlan.self, from: $0) }
            let disks = (saved?.ownedDisks(in: folder) ?? []).filter { FileManager.default.fileExists(atPath: $0.file.path) }
            for directory in [folder.buildDirectory, folder.distDirectory] {
                try? FileManager.default.removeItem(at: directory)
            }
            for disk in disks { try? FileManager.default.removeItem(at: disk.file) }
            GeneratedMakefile(folder: folder).remove()
            output("Removed _build and dist" + disks.map { " and " + $0.file.lastPathComponent }.joined() + "\n")
        }
    }

    /// `configure`: evaluates config.swift and writes the plan and the glue code.
    @discardableResult
    func configure(_ invocation: Invocation) throws(ToolError) -> BuildPlan {
        let home = try SwiftletHome.locate()
        let folder = invocation.folder
        let (unikernel, fingerprint) = try ConfigEvaluator(home: home).evaluate(folder)
        let plan = try BuildPlan(unikernel: unikernel, target: invocation.target ?? .unix,
                                 configureArguments: invocation.keyArguments, configFingerprint: fingerprint,
                                 directory: folder.directory)
        let main = try CodeGenerator(plan: plan).mainSource()
        _ = try plan.makeOwnedDisks(in: folder)
        GeneratedMakefile(folder: folder).write()
        do {
            try FileManager.default.createDirectory(at: folder.buildDirectory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(plan).write(to: folder.planFile)
            try main.write(to: folder.generatedMain, atomically: true, encoding: .utf8)
        } catch {
            throw ToolError("cannot write \(folder.buildDirectory.path): \(error.localizedDescription)")
        }
        return plan
    }

    /// The plan to build from: configured now when the command names a target or keys, or when
    /// nothing is configured yet; configured again when config.swift changed since.
    func plan(for invocation: Invocation) throws(ToolError) -> BuildPlan {
        let folder = invocation.folder
        let saved = (try? Data(contentsOf: folder.planFile)).flatMap { try? JSONDecoder().decode(BuildPlan.self, from: $0) }
        guard let saved, invocation.target == nil, invocation.keyArguments.isEmpty else {
            if saved == nil && invocation.target == nil && (invocation.command == .build || invocation.command == .describe) {
                guard FileManager.default.fileExists(atPath: folder.configFile.path) else {
                    return try configure(invocation)  // reports the missing config.swift
                }
                throw ToolError("\(folder.directory.lastPathComponent) is not configured",
                                hint: "run swiftlet configure -t TARGET first (or swiftlet run -t TARGET)")
            }
            // A target alone (`swiftlet run -t hvt`) keeps the keys the earlier configure gave,
            // and says so; keys given now replace them.
            if let saved, let target = invocation.target, invocation.keyArguments.isEmpty, !saved.configureArguments.isEmpty {
                var keeping = invocation
                keeping.keyArguments = saved.configureArguments
                let keys = saved.configureArguments.joined(separator: " ")
                do throws(ToolError) {
                    let plan = try configure(keeping)
                    errorOutput("swiftlet: configured for \(target.rawValue) with the keys of the earlier configure: \(keys) "
                                + "(give keys here to replace them)\n")
                    return plan
                } catch where error.status == 2 {
                    errorOutput("swiftlet: the earlier configure's keys (\(keys)) do not apply to \(target.rawValue): \(error.message); "
                                + "configuring without them\n")
                }
            }
            return try configure(invocation)
        }
        let home = try SwiftletHome.locate()
        let (_, fingerprint) = try ConfigEvaluator(home: home).evaluate(folder)
        if fingerprint != saved.configFingerprint
            || !FileManager.default.fileExists(atPath: folder.generatedMain.path) {
            var again = invocation
            again.target = saved.target
            again.keyArguments = saved.configureArguments
            return try configure(again)
        }
        return saved
    }

    func build(_ invocation: Invocation) throws(ToolError) -> URL {
        let plan = try plan(for: invocation)
        return try ImageBuilder(home: try SwiftletHome.locate()).build(plan, in: invocation.folder)
    }

    /// Replaces this process with the unikernel (through its tender on spt and hvt), so its
    /// output, signals and exit status are the user's.
    func run(_ image: URL, on target: Target, arguments: [String]) throws(ToolError) -> Never {
        let command: [String]
        switch target {
        case .unix:
            command = [image.path] + arguments
        case .spt, .hvt:
            let tender = try TenderBuilder(home: try SwiftletHome.locate()).build(target).path
            command = Self.tenderCommand(tender: tender, image: image.path, arguments: arguments)
        case .virtio:
            throw ToolError("virtio images run in QEMU, through runQEMU")
        }
        fflush(stdout)
        let argv = command.map { strdup($0) } + [nil]
        execv(command[0], argv)
        throw ToolError("cannot run \(command[0]): \(String(cString: strerror(errno)))")
    }

    /// Boots a virtio image in QEMU and waits for it; returns the unikernel's exit status. QEMU
    /// stays a child (not exec'd) so its status can be translated back (QEMUCommand).
    func runQEMU(_ command: QEMUCommand) throws(ToolError) -> Int32 {
        let words = command.arguments
        errorOutput("swiftlet: " + words.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ") + "\n")
        fflush(stdout)
        // Ctrl-C reaches QEMU (same process group) and ends it; this process waits for that.
        signal(SIGINT, SIG_IGN)
        var pid: pid_t = 0
        let argv = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawnp(&pid, words[0], nil, nil, argv, environ)
        guard spawned == 0 else {
            throw ToolError("cannot run \(words[0]): \(String(cString: strerror(spawned)))",
                            hint: "install QEMU: apt-get install qemu-system-x86")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        return exited ? QEMUCommand.unikernelStatus(fromQEMUStatus: (status >> 8) & 0xff) : 128 + (status & 0x7f)
    }

    /// The tender's command line for `swiftlet run ARGS` on spt and hvt. The devices are attached
    /// with the same words as on unix (`--block:storage=disk.img`), but the tender takes them
    /// before the image, so the device options among `arguments` move there; the rest go to the
    /// unikernel after `--`.
    static func tenderCommand(tender: String, image: String, arguments: [String]) -> [String] {
        let isDeviceOption = { (argument: String) in DeviceOption(argument) != nil }
        return [tender] + arguments.filter(isDeviceOption) + [image, "--"] + arguments.filter { !isDeviceOption($0) }
    }

    static let tenderDeviceOptions = ["--block:", "--net:", "--net-mac:", "--block-sector-size:"]

    private func relativePath(_ url: URL) -> String {
        let current = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(current) ? String(url.path.dropFirst(current.count)) : url.path
    }
}

/// A device word of `swiftlet run` and `swiftlet mkimage` (`--block:storage=disk.img`): the
/// option (one of `Tool.tenderDeviceOptions`), the device's name and the value. No unikernel key
/// can look like one: key names have no colon.
struct DeviceOption: Equatable {
    let option: String
    let name: String
    let value: String

    /// The device option `argument` is, if it is one.
    init?(_ argument: String) {
        guard let option = Tool.tenderDeviceOptions.first(where: { argument.hasPrefix($0) }),
              let equals = argument.firstIndex(of: "=") else { return nil }
        self.option = option
        name = String(argument[argument.index(argument.startIndex, offsetBy: option.count)..<equals])
        value = String(argument[argument.index(after: equals)...])
    }
}

let swiftletVersion = "0.1.0"

extension ToolError {
    /// This error, saying that a failed `swiftlet configure` changed nothing: the previous
    /// configuration (if any) is still what `swiftlet build` builds.
    func keepingConfiguration(of folder: UnikernelFolder) -> ToolError {
        guard let data = try? Data(contentsOf: folder.planFile),
              let saved = try? JSONDecoder().decode(BuildPlan.self, from: data) else { return self }
        var error = self
        let kept = "the previous configuration is kept: -t \(saved.target.rawValue)"
            + (saved.configureArguments.isEmpty ? "" : " " + saved.configureArguments.joined(separator: " "))
        error.hint = (hint.map { $0 + "\n  " } ?? "") + kept
        return error
    }
}
