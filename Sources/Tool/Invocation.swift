import Foundation

/// A parsed `swiftlet` command line.
struct Invocation: Equatable {
    enum Command: Equatable {
        case configure, build, run, describe, clean, version
        /// Builds a target's tender and prints its path (what `bin/swiftlet-spt` runs).
        case tender(String)
        case help(String?)
        /// `swiftlet mkfs --tar|--fat DIR IMAGE`: a disk image of a folder for a key-value store.
        case mkfs(DiskImageFormat, source: String, image: String)
        /// `swiftlet mkimage [--format raw,gce,qcow2]`: disk and cloud images of a virtio unikernel.
        case mkimage([ImageFormat])
    }

    var command: Command
    var folder: UnikernelFolder
    /// `-t TARGET`, if given.
    var target: Target?
    /// `--key=value` arguments for configure.
    var keyArguments: [String] = []
    /// What follows `--` in `swiftlet run` and `mkimage`: the unikernel's own arguments.
    var runtimeArguments: [String] = []

    static let commands = ["configure", "build", "run", "describe", "clean", "mkfs", "mkimage", "help"]

    static func parse(_ arguments: [String], currentDirectory: String = FileManager.default.currentDirectoryPath) throws(ToolError) -> Invocation {
        var rest = arguments[...]
        var directory = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        // -C DIR may come before the command, as with make and git.
        func takeDirectory(_ option: String) throws(ToolError) {
            guard let path = rest.popFirst() else { throw .usage("\(option) needs a folder: \(option) Examples/hello") }
            directory = URL(fileURLWithPath: path, isDirectory: true, relativeTo: directory).standardizedFileURL
        }
        while let first = rest.first, first == "-C" || first == "--directory" {
            rest.removeFirst()
            try takeDirectory(first)
        }
        guard let word = rest.popFirst() else {
            return Invocation(command: .help(nil), folder: UnikernelFolder(directory: directory))
        }
        let command: Command
        switch word {
        case "configure": command = .configure
        case "build": command = .build
        case "run": command = .run
        case "describe": command = .describe
        case "clean": command = .clean
        case "mkimage": command = .mkimage(ImageFormat.allCases)
        case "help", "--help", "-h": command = .help(rest.popFirst())
        case "--version", "version": command = .version
        case "mkfs":
            let usage = "swiftlet mkfs --tar|--fat FOLDER IMAGE"
            var format: DiskImageFormat?
            var paths: [String] = []
            while let argument = rest.popFirst() {
                if argument == "--help" || argument == "-h" {
                    return Invocation(command: .help("mkfs"), folder: UnikernelFolder(directory: directory))
                } else if argument.hasPrefix("--"), let chosen = DiskImageFormat(rawValue: String(argument.dropFirst(2))) {
                    guard format == nil else { throw .usage("give one image format, --tar or --fat", hint: usage) }
                    format = chosen
                } else if argument.hasPrefix("-") {
                    throw .usage("unknown option '\(argument)' for swiftlet mkfs", hint: usage)
                } else {
                    paths.append(argument)
                }
            }
            guard let format else { throw .usage("swiftlet mkfs needs an image format, --tar or --fat", hint: usage) }
            guard paths.count == 2 else { throw .usage("swiftlet mkfs needs a folder and an image file", hint: usage) }
            return Invocation(command: .mkfs(format, source: paths[0], image: paths[1]), folder: UnikernelFolder(directory: directory))
        case "tender":
            guard let target = rest.popFirst() else { throw .usage("swiftlet tender needs a target: swiftlet tender spt") }
            return Invocation(command: .tender(target), folder: UnikernelFolder(directory: directory))
        default:
            throw .usage("unknown command '\(word)'", hint: "commands: \(commands.joined(separator: ", ")); swiftlet help shows what each does")
        }
        var invocation = Invocation(command: command, folder: UnikernelFolder(directory: directory))
        if case .help = command { return invocation }
        if command == .version { return invocation }

        let acceptsConfiguration = [.configure, .run, .describe, .build].contains(command)
        while let argument = rest.popFirst() {
            if argument == "--" {
                guard command == .run || invocation.command.isMakeImage else {
                    throw .usage("'--' passes arguments to the unikernel, and only swiftlet run and mkimage take them")
                }
                invocation.runtimeArguments = Array(rest)
                rest = []
            } else if argument == "-C" || argument == "--directory" {
                try takeDirectory(argument)
                invocation.folder = UnikernelFolder(directory: directory)
            } else if argument == "-t" || argument == "--target" {
                guard acceptsConfiguration else { throw .usage("swiftlet \(word) takes no target") }
                guard let value = rest.popFirst() else { throw .usage("\(argument) needs a target: one of \(Target.names)") }
                invocation.target = try Target.parse(value)
            } else if argument.hasPrefix("--target=") || (argument.hasPrefix("-t") && argument.count > 2 && !argument.hasPrefix("--")) {
                guard acceptsConfiguration else { throw .usage("swiftlet \(word) takes no target") }
                let value = argument.hasPrefix("--target=") ? String(argument.dropFirst(9)) : String(argument.dropFirst(2))
                invocation.target = try Target.parse(value)
            } else if argument == "--help" || argument == "-h" {
                return Invocation(command: .help(word), folder: invocation.folder)
            } else if invocation.command.isMakeImage, argument == "--format" || argument.hasPrefix("--format=") {
                guard let value = argument == "--format" ? rest.popFirst() : String(argument.dropFirst(9)) else {
                    throw .usage("--format needs image formats: --format \(ImageFormat.names)")
                }
                invocation.command = .mkimage(try ImageFormat.parseList(value))
            } else if argument.hasPrefix("--") && acceptsConfiguration {
                invocation.keyArguments.append(argument)
                // A value may follow as its own word (`--hello Bonjour`); BuildPlan decides.
                if !argument.contains("="), let next = rest.first, !next.hasPrefix("-") {
                    invocation.keyArguments.append(rest.removeFirst())
                }
            } else {
                throw .usage("unexpected argument '\(argument)' for swiftlet \(word)", hint: "swiftlet help \(word) shows its usage")
            }
        }
        return invocation
    }
}

extension Invocation.Command {
    var isMakeImage: Bool {
        if case .mkimage = self { return true }
        return false
    }
}

extension UnikernelFolder: Equatable {
    static func == (lhs: Self, rhs: Self) -> Bool { lhs.directory == rhs.directory }
}
