import Foundation
import SwiftletRuntime

/// The result of `swiftlet configure`: everything `swiftlet build` needs, saved in `_build/plan.json`.
struct BuildPlan: Codable, Equatable {
    var target: Target
    /// The `--key=value` arguments configure was given, to configure again when config.swift changes.
    var configureArguments: [String]
    var configFingerprint: String
    var unikernel: UnikernelDescription
    /// Each key's value: its default, or what configure was given.
    var keyValues: [String: String]

    /// Builds a plan from what config.swift declares and the configure command line;
    /// `directory` is the unikernel's folder, against which device folders are resolved.
    init(unikernel: UnikernelDescription, target: Target, configureArguments: [String], configFingerprint: String,
         directory: URL? = nil) throws(ToolError) {
        self.target = target
        self.configureArguments = configureArguments
        self.configFingerprint = configFingerprint
        // Devices bring keys of their own: the key choosing an implementation (`--net`), and the
        // runtime keys each implementation reads (`--ipv4`). Parse against all of them, then keep
        // those of the implementations chosen.
        var candidates = unikernel.keys
        var always = Set(unikernel.keys.map(\.name))
        for use in unikernel.devices {
            guard let kind = DeviceKind.named(use.kind) else { continue }
            if let choice = kind.choiceKey(on: target) { always.insert(choice.name) }
            for key in kind.keys(on: target, deviceName: kind.deviceName(of: use)) where !candidates.contains(where: { $0.name == key.name }) {
                candidates.append(key)
            }
        }
        var description = unikernel
        description.keys = candidates
        self.unikernel = description
        keyValues = Dictionary(uniqueKeysWithValues: candidates.map { ($0.name, $0.defaultText) })
        let given = try Self.parseKeyArguments(configureArguments, keys: candidates)
        for (name, value) in given { keyValues[name] = value }
        // The chosen implementations' own declarations: two choices may declare one key with
        // different defaults (`--block:kv` is dist/kv.tar for tar, dist/kv.img for fat), and
        // `FOLDER` in a default is the device's folder, as an absolute path.
        var chosen: [String: UnikernelDescription.KeyDeclaration] = [:]
        for device in try resolvedDevices() {
            for var key in device.implementation.keys {
                if let file = device.use.file, key.name == "block:\(device.kind.deviceName(of: device.use))" {
                    // The disk the configuration owns is the default (`dist/block` reads it).
                    key.defaultText = file.hasPrefix("/") ? file
                        : directory.map { $0.appendingPathComponent(file).standardizedFileURL.path } ?? file
                }
                if key.defaultText == "FOLDER" {
                    let folder = device.use.name ?? device.use.label
                    key.defaultText = folder.hasPrefix("/") ? folder
                        : directory.map { $0.appendingPathComponent(folder).standardizedFileURL.path } ?? folder
                }
                chosen[key.name] = key
            }
        }
        let needed = always.union(chosen.keys)
        for (name, value) in given where !needed.contains(name) {
            let brought = unikernel.devices.lazy.compactMap { use in
                DeviceKind.named(use.kind).flatMap { $0.choice(bringing: name, on: target, deviceName: $0.deviceName(of: use)) }
            }.first
            if let brought {
                throw .usage("--\(name) needs \(brought): it is a key of that implementation",
                             hint: "swiftlet configure -t \(target.rawValue) \(brought) --\(name)=\(value)")
            }
            throw .usage("--\(name) does not apply to this configuration",
                         hint: "it belongs to another choice of implementation (see swiftlet help configure)")
        }
        self.unikernel.keys = candidates.filter { needed.contains($0.name) }.map { chosen[$0.name] ?? $0 }
        for (name, key) in chosen where !given.contains(where: { $0.0 == name }) { keyValues[name] = key.defaultText }
        keyValues = keyValues.filter { needed.contains($0.key) }
    }

    /// Parses `--key=value`, `--key value` and `--flag` against the declared keys.
    static func parseKeyArguments(_ arguments: [String], keys: [UnikernelDescription.KeyDeclaration]) throws(ToolError) -> [(String, String)] {
        var values: [(String, String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw .usage("unexpected argument '\(argument)'", hint: "keys are given as --KEY=VALUE; swiftlet help configure lists them")
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            guard let key = keys.first(where: { $0.name == name }) else {
                let guess = closestKeyName(to: name, among: keys.map(\.name)).map { " (did you mean --\($0)?)" } ?? ""
                throw .usage("unknown key --\(name)\(guess)",
                             hint: keys.isEmpty ? "this unikernel declares no keys" : "swiftlet help configure lists this unikernel's keys: "
                                + keys.map { "--\($0.name)" }.joined(separator: ", "))
            }
            let value: String
            if body.contains("=") {
                value = String(body.drop { $0 != "=" }.dropFirst())
            } else if key.keyType == .bool {
                // `--dhcp`, or `--dhcp true` / `--dhcp false` (MirageOS's spelling).
                if index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-"), Bool(keyText: arguments[index + 1]) != nil {
                    index += 1
                    value = arguments[index]
                } else {
                    value = "true"
                }
            } else {
                index += 1
                guard index < arguments.count else { throw .usage("--\(name) needs a value: --\(name)=\(key.keyType.helpName)") }
                value = arguments[index]
            }
            guard key.keyType.accepts(value) else {
                throw .usage("--\(name) expects \(key.keyType.helpName), not '\(value)'")
            }
            values.append((name, value))
            index += 1
        }
        return values
    }

    struct ResolvedDevice {
        let use: UnikernelDescription.DeviceUse
        let kind: DeviceKind
        let implementation: DeviceImplementation
    }

    /// Each declared device with its implementation on the target.
    func resolvedDevices() throws(ToolError) -> [ResolvedDevice] {
        var resolved: [ResolvedDevice] = []
        for use in unikernel.devices {
            let kind = DeviceKind.named(use.kind)!  // validated
            guard let implementation = try kind.implementation(on: target, keyValues: keyValues) else {
                let targets = Target.allCases.filter { !kind.allImplementations(on: $0).isEmpty }.map(\.rawValue)
                throw ToolError("device '\(use.kind)' (\(kind.protocolName)) is not available on target \(target.rawValue) yet",
                                hint: "targets that provide it: " + (targets.joined(separator: ", ").nilIfEmpty ?? "none yet"))
            }
            resolved.append(ResolvedDevice(use: use, kind: kind, implementation: implementation.instantiated(for: kind.deviceName(of: use))))
        }
        // A layered device (the HTTP server) declared beside its base kind under the same name
        // is built on that device rather than on a second one.
        for (index, device) in resolved.enumerated() {
            guard let layer = device.kind.layer,
                  let base = resolved.first(where: { $0.kind.kind == layer.baseKind && $0.kind.deviceName(of: $0.use) == device.kind.deviceName(of: device.use) })
            else { continue }
            resolved[index] = ResolvedDevice(use: device.use, kind: device.kind,
                                             implementation: layer.apply(toShared: base.implementation, label: base.use.label, on: target))
        }
        return resolved
    }

    /// Every Swiftlet module the unikernel links, dependencies first.
    func modules() throws(ToolError) -> [LibraryModule] {
        let names = target.platformModules + (try resolvedDevices()).flatMap(\.implementation.modules) + unikernel.packages
        return try ModuleCatalog.closure(of: names)
    }

    var imageName: String { target.imageName(for: unikernel.name) }

    /// The resolved device graph, one fact a line, stable for golden tests.
    func describe() throws(ToolError) -> String {
        let devices = try resolvedDevices()
        var lines = [
            "unikernel: \(unikernel.name)",
            "target: \(target.rawValue)",
            "image: dist/\(imageName)",
            "main: \(unikernel.main)(" + devices.map { "\($0.use.label):" }.joined() + ")",
            "devices:",
        ]
        lines += devices.isEmpty ? ["  (none)"] : devices.map { device in
            "  \(device.use.label): \(device.kind.protocolName) = \(device.implementation.typeName)"
                + (device.use.name.map { " [\($0)]" } ?? "")
        }
        lines.append("keys:")
        lines += unikernel.keys.isEmpty ? ["  (none)"] : unikernel.keys.map { key in
            "  \(key.name): \(key.keyType.helpName) = \(key.keyType.display(keyValues[key.name]!)) (\(key.stage))"
        }
        if target.isSolo5 {
            let entries = Solo5Manifest(plan: self).entries
            lines.append("solo5 manifest: " + (entries.isEmpty ? "(no devices)"
                : entries.map { "\($0.name) (\($0.type == .block ? "block" : "net"))" }.joined(separator: ", ")))
        }
        lines.append("modules: " + (try modules()).map(\.name).joined(separator: ", "))
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension BuildPlan {
    /// The disk files the configuration owns (`.block("storage", file: "disk.img")`): the device's
    /// name, the file in `folder` and its size.
    func ownedDisks(in folder: UnikernelFolder) -> [(name: String, file: URL, size: Int)] {
        unikernel.devices.compactMap { use in
            guard let file = use.file, let kind = DeviceKind.named(use.kind) else { return nil }
            return (kind.deviceName(of: use), URL(fileURLWithPath: file, relativeTo: folder.directory).standardizedFileURL,
                    use.fileSize ?? 0)
        }
    }

    /// Makes each owned disk that is missing: an empty (sparse, all-zero) file of its size.
    func makeOwnedDisks(in folder: UnikernelFolder) throws(ToolError) -> [String] {
        var made: [String] = []
        for disk in ownedDisks(in: folder) where !FileManager.default.fileExists(atPath: disk.file.path) {
            guard FileManager.default.createFile(atPath: disk.file.path, contents: nil),
                  truncate(disk.file.path, off_t(disk.size)) == 0 else {
                throw ToolError("cannot make the disk \(disk.file.path) of block device '\(disk.name)'")
            }
            made.append(disk.file.lastPathComponent)
        }
        return made
    }

    /// `--block:NAME=FILE` for each owned disk that exists, for `swiftlet run`, unless
    /// `arguments` attach that device (a deleted one is not attached: the tender says how to).
    func ownedDiskArguments(in folder: UnikernelFolder, besides arguments: [String]) -> [String] {
        ownedDisks(in: folder).compactMap { disk in
            arguments.contains { $0.hasPrefix("--block:\(disk.name)=") } || !FileManager.default.fileExists(atPath: disk.file.path)
                ? nil : "--block:\(disk.name)=\(disk.file.path)"
        }
    }
}
