/// How one kind of device is provided on each target: the configuration tool's counterpart of
/// a device protocol. One file in this folder per kind, as MirageOS's `mirage` does.
struct DeviceKind {
    /// The kind's name in `config.swift` (`Device.kind`).
    let kind: String
    /// The protocol the application constrains its generic parameter to.
    let protocolName: String
    let doc: String
    let implementations: [Target: DeviceImplementation]

    static let all: [DeviceKind] = [.time, .monotonicClock, .wallClock, .console, .random,
                                    .block, .keyValueReadOnly, .network, .stack]

    static func named(_ kind: String) -> DeviceKind? { all.first { $0.kind == kind } }
}

/// One implementation of a device kind on one target.
struct DeviceImplementation {
    /// The concrete type, as `swiftlet describe` shows it.
    let typeName: String
    /// A Swift expression that creates the device in the generated `main.swift`, where
    /// `platform` is the target's platform, `loop` its run loop, and `NAME` stands for the
    /// device's name as a string literal.
    let expression: String
    /// Swiftlet modules the expression needs.
    let modules: [String]
}

extension DeviceImplementation {
    /// The runtime's generic implementation over the platform interface, on every target that
    /// has a platform: `PlatformTime<UnixPlatform>` on unix, `PlatformTime<Solo5Platform>` on spt.
    static func generic(_ type: String, _ expression: String) -> [Target: DeviceImplementation] {
        let targets: [Target] = [.unix, .spt, .hvt]
        return Dictionary(uniqueKeysWithValues: targets.map { target in
            (target, DeviceImplementation(typeName: "\(type)<\(target.platformType)>", expression: expression, modules: []))
        })
    }
}
