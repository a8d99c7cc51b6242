import Foundation

/// The texts of `swiftlet help [COMMAND]`.
struct Help {
    let folder: UnikernelFolder

    func text(for topic: String?) throws(ToolError) -> String {
        switch topic {
        case nil: return overview
        case "configure": return try configure()
        case "build": return build
        case "run": return run
        case "describe": return describe
        case "clean": return clean
        case "mkfs": return mkfs
        case "mkimage": return mkimage
        case let other?:
            throw .usage("no help for '\(other)'", hint: "topics: \(Invocation.commands.joined(separator: ", "))")
        }
    }

    var overview: String {
        """
        swiftlet: build unikernels in Swift.

        usage: swiftlet [-C DIR] COMMAND [OPTIONS]

        Commands (run in a unikernel's folder, the one with config.swift, or pass -C DIR):
          configure [-t TARGET] [--KEY=VALUE ...]   evaluate config.swift, check it, write the build plan (_build/)
          build                                     build the configured unikernel into dist/
          run [-t TARGET] [--KEY=VALUE ...] [-- ARGS]  configure if needed, build, and run it with ARGS
          describe                                  print the resolved devices, keys and modules
          clean                                     remove _build/ and dist/
          mkfs --tar|--fat FOLDER IMAGE             make a disk image of FOLDER for the tar or fat key-value store
          mkimage [--format raw,gce,qcow2] [-- ARGS]  make disk and cloud images of a virtio unikernel (dist/NAME.img ...)
          tender spt|hvt                            build that tender if needed and print its path
          help [COMMAND]                            show help; `swiftlet help configure` lists targets and keys

        Targets: \(Target.names) (default: unix).
        Docs: docs/tutorial.md in the Swiftlet checkout.

        """
    }

    var mkfs: String {
        """
        usage: swiftlet mkfs --tar|--fat FOLDER IMAGE

        Writes the files and folders under FOLDER into IMAGE, for a unikernel configured with
        --kv_ro=tar or --kv_ro=fat to read from a block device:
          swiftlet mkfs --fat htdocs site.img
          swiftlet-spt --block:kv=site.img dist/website.spt
        --tar makes a POSIX tar archive; --fat a FAT16 or FAT32 file system with long names.
        `swiftlet build` makes these images itself for a configured --kv_ro=tar or fat.

        """
    }

    var build: String {
        """
        usage: swiftlet build

        Builds the configured unikernel into dist/NAME (dist/NAME.spt, .hvt, .virtio on other
        targets). Configures again by itself when config.swift changed since `swiftlet configure`.
        Set SWIFTLET_VERBOSE=1 to see the compiler commands.

        """
    }

    var run: String {
        """
        usage: swiftlet run [-t TARGET] [--KEY=VALUE ...] [-- RUNTIME-ARGUMENTS]

        Configures (when a target or keys are given, or nothing is configured yet), builds, and
        runs the unikernel; what follows `--` goes to the unikernel:
          swiftlet run -t unix -- --hello=Bonjour -l "*:debug"

        On spt and hvt the tender attaches the devices: `--block:NAME=FILE`, `--net:NAME=TAP`,
        `--net-mac:NAME=MAC` and `--block-sector-size:NAME=N` among them go to the tender,
        before the image. So a disk is given the same way on every target:
          swiftlet run -t unix -- --block:storage=disk.img
          swiftlet run -t spt -- --block:storage=disk.img -l "*:debug"
          (runs swiftlet-spt --block:storage=disk.img dist/block.spt -- -l "*:debug")

        On virtio the image boots in QEMU (qemu-system-x86_64, software emulation unless
        --virtio:accel=kvm); the command is printed, and the unikernel's exit status returned.
        `--net:NAME=TAP` attaches a tap device, `--net:NAME=user[,OPTIONS]` QEMU's user network;
        `--virtio:machine=microvm|q35` (virtio-mmio or PCI devices), `--virtio:memory=SIZE`:
          swiftlet run -t virtio -- --net:service=user,hostfwd=tcp:127.0.0.1:8080-:8080 --dhcp=true

        """
    }

    var describe: String {
        """
        usage: swiftlet describe [-t TARGET] [--KEY=VALUE ...]

        Prints the resolved configuration: the target and image, the entry point and the
        arguments it is initialized with, each device's implementation, each key's value, and
        the Swiftlet modules linked in.

        """
    }

    var clean: String {
        """
        usage: swiftlet clean

        Removes the generated _build/ and dist/ folders of the unikernel.

        """
    }

    func configure() throws(ToolError) -> String {
        var text = """
        usage: swiftlet configure [-t TARGET] [--KEY=VALUE ...]

        Evaluates config.swift, checks it, chooses the target's implementation of each device,
        and writes the build plan and the glue main.swift into _build/. A runtime key given here
        becomes the unikernel's new default; a configure-time key is fixed.

        Targets (-t, --target):

        """
        let width = Target.allCases.map(\.rawValue.count).max()!
        for target in Target.allCases {
            text += "  \(target.rawValue.padding(toLength: width + 2, withPad: " ", startingAt: 0))\(target.summary)"
                + (target == .unix ? " (default)" : "") + "\n"
        }
        text += "\nDevice kinds (config.swift's devices: [...]) and where they are implemented:\n"
        let kindWidth = DeviceKind.all.map(\.kind.count).max()!
        for kind in DeviceKind.all {
            let targets = Target.allCases.filter { !kind.allImplementations(on: $0).isEmpty }.map(\.rawValue)
            text += "  \(kind.kind.padding(toLength: kindWidth + 2, withPad: " ", startingAt: 0))\(kind.protocolName): \(kind.doc)"
                + " [\(targets.isEmpty ? "not available yet" : targets.joined(separator: ", "))]\n"
        }
        guard FileManager.default.fileExists(atPath: folder.configFile.path) else {
            return text + "\nRun `swiftlet help configure` in a unikernel's folder (one with config.swift) to list its keys.\n"
        }
        let (unikernel, _) = try ConfigEvaluator(home: try SwiftletHome.locate()).evaluate(folder)
        text += "\nDevices of \(unikernel.name):\n"
        if unikernel.devices.isEmpty { text += "  (none)\n" }
        for device in unikernel.devices {
            let kind = DeviceKind.named(device.kind)!
            let implementations = Target.allCases.compactMap { target in
                let types = kind.allImplementations(on: target).map(\.typeName)
                return types.isEmpty ? nil : "\(target.rawValue): " + types.joined(separator: " or ")
            }
            text += "  \(device.label): \(kind.protocolName)" + (device.name.map { " \"\($0)\"" } ?? "")
                + " (" + (implementations.isEmpty ? "not available yet" : implementations.joined(separator: "; ")) + ")\n"
        }
        text += "\nKeys of \(unikernel.name) (--KEY=VALUE here or, for runtime keys, on the unikernel's command line):\n"
        // Keys the devices bring: the choice of implementation and what the implementations read,
        // named as the device is on the platform (`--block:kv`), with each default and where it
        // applies (a target, a choice: `"dist/kv.img" with --kv_ro=fat`).
        var deviceKeys: [(key: UnikernelDescription.KeyDeclaration, defaults: [(value: String, target: Target, choice: String?)])] = []
        func add(_ key: UnikernelDescription.KeyDeclaration, _ target: Target, _ choice: String?, folder: String, disk: String? = nil) {
            guard !unikernel.keys.contains(where: { $0.name == key.name }) else { return }
            // The folder of a direct store, the disk the configuration owns (`file: "disk.img"`).
            let value = key.defaultText == "FOLDER" ? folder + "/" : disk ?? key.defaultText
            if let index = deviceKeys.firstIndex(where: { $0.key.name == key.name }) {
                deviceKeys[index].defaults.append((value, target, choice))
            } else {
                deviceKeys.append((key, [(value, target, choice)]))
            }
        }
        for device in unikernel.devices {
            let kind = DeviceKind.named(device.kind)!
            let name = kind.deviceName(of: device)
            let folder = device.name ?? device.label
            for target in Target.allCases {
                if let choice = kind.choice {
                    if let key = kind.choiceKey(on: target) { add(key, target, nil, folder: folder) }
                    for option in choice.options {
                        for key in option.implementations[target]?.instantiated(for: name).keys ?? [] {
                            add(key, target, "--\(choice.key)=\(option.value)", folder: folder)
                        }
                    }
                } else {
                    for key in kind.implementations[target]?.instantiated(for: name).keys ?? [] {
                        add(key, target, nil, folder: folder, disk: key.name == "block:\(name)" ? device.file : nil)
                    }
                }
            }
        }
        let rows = unikernel.keys.map { key in
            ("--\(key.name)=\(key.keyType.helpName)",
             "\(key.doc) (default: \(key.keyType.display(key.defaultText)); \(key.stage) key; Keys.\(key.swiftName))")
        }
            + deviceKeys.map { key, defaults in
                // One default, or each with where it applies: `--net` is socket on unix only.
                var groups: [(value: String, targets: [Target], choices: [String])] = []
                for entry in defaults {
                    if let index = groups.firstIndex(where: { $0.value == entry.value }) {
                        if !groups[index].targets.contains(entry.target) { groups[index].targets.append(entry.target) }
                        if let choice = entry.choice, !groups[index].choices.contains(choice) { groups[index].choices.append(choice) }
                    } else {
                        groups.append((entry.value, [entry.target], entry.choice.map { [$0] } ?? []))
                    }
                }
                let targets = Target.allCases.filter { target in defaults.contains { $0.target == target } }
                let shown = groups.map { group in
                    key.keyType.display(group.value)
                        + (groups.count > 1 && !group.choices.isEmpty ? " with " + group.choices.joined(separator: " or ") : "")
                        + (groups.count > 1 && group.targets.count < targets.count ? " on " + group.targets.map(\.rawValue).joined(separator: ", ") : "")
                }
                return ("--\(key.name)=\(key.keyType.helpName)",
                        "\(key.doc) (default: \(shown.joined(separator: "; ")); \(key.stage) key; "
                            + targets.map(\.rawValue).joined(separator: ", ") + ")")
            }
        if rows.isEmpty { text += "  (none)\n" }
        let rowWidth = rows.map(\.0.count).max() ?? 0
        for (left, right) in rows {
            text += "  \(left.padding(toLength: rowWidth + 2, withPad: " ", startingAt: 0))\(right)\n"
        }
        return text
    }
}
