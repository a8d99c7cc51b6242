/// How one kind of device is provided on each target: the configuration tool's counterpart of
/// a device protocol. One file in this folder per kind, as MirageOS's `mirage` does.
struct DeviceKind {
    /// The kind's name in `config.swift` (`Device.kind`).
    let kind: String
    /// The protocol the application constrains its generic parameter to.
    let protocolName: String
    let doc: String
    /// The implementation on each target, for kinds with one per target.
    var implementations: [Target: DeviceImplementation] = [:]
    /// For kinds whose implementation a configure-time key picks (the stack's `--net`).
    var choice: DeviceChoice? = nil
    /// Whether devices of this kind are named after their label: the key-value stores, whose
    /// `name` in config.swift is a folder, not a platform device.
    var namedByLabel = false
    /// For kinds built on another kind's device (the HTTP server on the stack): how.
    var layer: DeviceLayer? = nil

    static let all: [DeviceKind] = [.time, .monotonicClock, .wallClock, .console, .random,
                                    .block, .keyValueReadOnly, .keyValue, .network, .stack, .http, .https, .dns]

    static func named(_ kind: String) -> DeviceKind? { all.first { $0.kind == kind } }

    /// The name `use` has on the platform (Solo5's manifest, `--block:NAME`, per-device keys).
    func deviceName(of use: UnikernelDescription.DeviceUse) -> String {
        namedByLabel ? use.label : (use.name ?? use.label)
    }

    /// Every implementation on `target`, whatever the configure-time keys say.
    func allImplementations(on target: Target) -> [DeviceImplementation] {
        if let choice {
            return choice.options.compactMap { $0.implementations[target] }
        }
        return implementations[target].map { [$0] } ?? []
    }

    /// The configure-time key that chooses the implementation on `target`, with that target's default.
    func choiceKey(on target: Target) -> UnikernelDescription.KeyDeclaration? {
        guard let choice, let value = choice.defaults[target] else { return nil }
        let values = choice.options.filter { $0.implementations[target] != nil }.map(\.value)
        return UnikernelDescription.KeyDeclaration(
            name: choice.key, type: "string", defaultText: value,
            doc: choice.doc + " (" + values.joined(separator: " or ") + ")", stage: "configure")
    }

    /// The keys the kind brings on `target`: the choice key, then every key its implementations
    /// read (per-device keys named for `deviceName`, or with `NAME` in them when it is nil).
    func keys(on target: Target, deviceName: String? = nil) -> [UnikernelDescription.KeyDeclaration] {
        (choiceKey(on: target).map { [$0] } ?? []) + allImplementations(on: target).flatMap { implementation in
            deviceName.map { implementation.instantiated(for: $0).keys } ?? implementation.keys
        }
    }

    /// The choice (`--net=direct`) whose implementation on `target` reads the key `name`, for
    /// a message that says which choice a key needs.
    func choice(bringing name: String, on target: Target, deviceName: String) -> String? {
        guard let choice else { return nil }
        return choice.options.first { option in
            option.implementations[target]?.instantiated(for: deviceName).keys.contains { $0.name == name } ?? false
        }.map { "--\(choice.key)=\($0.value)" }
    }

    /// The implementation on `target` given the keys' values.
    func implementation(on target: Target, keyValues: [String: String]) throws(ToolError) -> DeviceImplementation? {
        guard let choice else { return implementations[target] }
        guard let value = keyValues[choice.key] ?? choice.defaults[target] else { return nil }
        guard let option = choice.options.first(where: { $0.value == value }) else {
            throw .usage("--\(choice.key) must be one of " + choice.options.map(\.value).joined(separator: ", ") + ", not '\(value)'")
        }
        guard let implementation = option.implementations[target] else {
            let possible = choice.options.filter { $0.implementations[target] != nil }.map(\.value)
            throw .usage("--\(choice.key)=\(value) is not available on target \(target.rawValue)",
                         hint: possible.isEmpty ? "no \(kind) on this target yet" : "use --\(choice.key)=" + possible.joined(separator: " or --\(choice.key)="))
        }
        return implementation
    }
}

extension DeviceKind {
    /// A kind whose every implementation is one of `base`'s, wrapped by `layer`: the base's
    /// choice and its key (`--net`), the base's runtime keys, the base's Solo5 device. Declaring
    /// both kinds on one name shares the base device (see ``DeviceLayer``).
    static func layered(on base: DeviceKind, kind: String, protocolName: String, doc: String,
                        layer: DeviceLayer) -> DeviceKind {
        precondition(layer.baseKind == base.kind)
        func wrap(_ implementations: [Target: DeviceImplementation]) -> [Target: DeviceImplementation] {
            Dictionary(uniqueKeysWithValues: implementations.map { target, implementation in
                (target, layer.apply(to: implementation, on: target))
            })
        }
        return DeviceKind(
            kind: kind, protocolName: protocolName, doc: doc, implementations: wrap(base.implementations),
            choice: base.choice.map { choice in
                DeviceChoice(key: choice.key, doc: choice.doc, defaults: choice.defaults,
                             options: choice.options.map { DeviceChoice.Option(value: $0.value, implementations: wrap($0.implementations)) })
            },
            namedByLabel: base.namedByLabel, layer: layer)
    }
}

/// How a kind is built on another kind's device: the HTTP server over a TCP/IP stack.
///
/// When config.swift also declares the base kind under the same name (`.stack()` and `.http()`,
/// both "service"), the two share one base device: the layered device is built on the other's
/// variable instead of attaching the network interface a second time.
struct DeviceLayer {
    /// The kind built on: `stack`.
    let baseKind: String
    /// The layered type, given the target and the base's type.
    let typeName: (Target, String) -> String
    /// Swiftlet modules the layer adds.
    let modules: [String]
    /// Runtime keys the layer reads (`--max-connections` of the HTTP server, the resolver's `--dns-server`).
    var keys: [UnikernelDescription.KeyDeclaration] = []
    /// The layered expression, given the target and the base's expression.
    let expression: (Target, String) -> String

    /// `implementation` (of the base kind, on `target`) with this layer around it.
    func apply(to implementation: DeviceImplementation, on target: Target) -> DeviceImplementation {
        var layered = implementation.wrapped(typeName: { typeName(target, $0) }, modules: modules) { expression(target, $0) }
        layered.keys += keys
        return layered
    }

    /// The layer over the base device already created under `label`, whose resolved
    /// implementation is `base`: it adds no keys and attaches no Solo5 device of its own.
    func apply(toShared base: DeviceImplementation, label: String, on target: Target) -> DeviceImplementation {
        var shared = base
        shared.expression = label
        shared.keys = []
        shared.solo5Device = nil
        shared.asset = nil
        var layered = apply(to: shared, on: target)
        layered.after = [label]
        return layered
    }
}

/// A choice between implementations of one device kind, made with a configure-time key.
struct DeviceChoice {
    /// One value of the key and what it selects on each target.
    struct Option {
        let value: String
        let implementations: [Target: DeviceImplementation]
    }

    /// The key's name: `net` for `--net=direct`.
    let key: String
    let doc: String
    /// The value when the key is not given, on each target that has this kind.
    let defaults: [Target: String]
    let options: [Option]
}

/// One implementation of a device kind on one target.
struct DeviceImplementation {
    /// The concrete type, as `swiftlet describe` shows it.
    var typeName: String
    /// A Swift expression that creates the device in the generated `main.swift`, where
    /// `platform` is the target's platform, `loop` its run loop, `NAME` stands for the
    /// device's name as a string literal, `Keys.x` reads a key, and `KEYOF(k)` reads the key
    /// named `k` after `NAME` in it became the device's name (`KEYOF(block:NAME)` →
    /// `Keys.blockStorage`). It may `await`.
    var expression: String
    /// Swiftlet modules the expression needs.
    var modules: [String]
    /// Runtime keys the expression reads, added to the unikernel's keys when it is chosen.
    /// `NAME` in a key's name stands for the device's name: one key per device (`block:NAME`).
    var keys: [UnikernelDescription.KeyDeclaration] = []
    /// What Solo5 attaches for the device, if anything: its manifest entry's type.
    var solo5Device: Solo5Manifest.DeviceType? = nil
    /// Modules `swiftlet build` generates for the expression (not Swiftlet's library modules).
    var imports: [String] = []
    /// What `swiftlet build` makes from the device's folder before compiling, if anything.
    var asset: StoreAsset? = nil
    /// Labels of other devices the expression uses, which the generated code creates first.
    var after: [String] = []

    /// The implementation for the device named `name`: its per-device keys and the expression
    /// with `NAME` and `KEYOF(…)` filled in.
    func instantiated(for name: String) -> DeviceImplementation {
        var copy = self
        copy.keys = keys.map { key in
            var key = key
            key.name = key.name.replacingOccurrences(of: "NAME", with: name)
            key.doc = key.doc.replacingOccurrences(of: "NAME", with: name)
            key.defaultText = key.defaultText.replacingOccurrences(of: "NAME", with: name)
            return key
        }
        // `IDENT`: the name as it appears in generated C symbols (labels are identifiers).
        var text = expression.replacingOccurrences(of: "IDENT", with: name)
        while let start = text.range(of: "KEYOF("), let end = text[start.upperBound...].firstIndex(of: ")") {
            let keyName = text[start.upperBound..<end].replacingOccurrences(of: "NAME", with: name)
            text.replaceSubrange(start.lowerBound...end, with: "Keys." + swiftIdentifier(fromKeyName: keyName))
        }
        copy.expression = text.replacingOccurrences(of: "NAME", with: swiftStringLiteral(name))
        return copy
    }

    /// This implementation, used by a device built on it: `wrap` turns this expression into
    /// the outer one (`await TarStore.open(\(inner))`); the keys and Solo5 device carry over.
    func wrapped(typeName: (String) -> String, modules: [String], _ wrap: (String) -> String) -> DeviceImplementation {
        var outer = self
        outer.typeName = typeName(self.typeName)
        outer.expression = wrap(expression)
        outer.modules = self.modules + modules
        return outer
    }
}

extension DeviceImplementation {
    /// The runtime's generic implementation over the platform interface, on every target that
    /// has a platform: `PlatformTime<UnixPlatform>` on unix, `PlatformTime<Solo5Platform>` on spt.
    static func generic(_ type: String, _ expression: String) -> [Target: DeviceImplementation] {
        Dictionary(uniqueKeysWithValues: Target.allCases.map { target in
            (target, DeviceImplementation(typeName: "\(type)<\(target.platformType)>", expression: expression, modules: []))
        })
    }

}

extension Dictionary where Key == Target, Value == DeviceImplementation {
    /// `unix` on the unix target and `solo5` on every Solo5 target (spt, hvt, virtio).
    static func targets(unix: DeviceImplementation?, solo5: DeviceImplementation?) -> Self {
        var implementations: Self = [:]
        implementations[.unix] = unix
        for target in Target.solo5Targets { implementations[target] = solo5 }
        return implementations
    }
}
