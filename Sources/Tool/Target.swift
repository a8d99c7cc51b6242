/// Where a unikernel runs.
enum Target: String, CaseIterable, Codable {
    case unix, spt, hvt, virtio

    var summary: String {
        switch self {
        case .unix: "an ordinary Linux executable: dist/NAME"
        case .spt: "a seccomp-sandboxed unikernel process, run by swiftlet-spt: dist/NAME.spt"
        case .hvt: "a unikernel in a KVM virtual machine, run by swiftlet-hvt: dist/NAME.hvt"
        case .virtio: "a PVH image for QEMU, Firecracker and Cloud Hypervisor: dist/NAME.virtio"
        }
    }

    /// The targets whose unikernels talk to the platform through Solo5's guest interface
    /// (Solo5Platform, Solo5Network, Solo5Block, the device manifest).
    static let solo5Targets: [Target] = [.spt, .hvt, .virtio]

    var isSolo5: Bool { Self.solo5Targets.contains(self) }

    /// The file name of the built image.
    func imageName(for unikernel: String) -> String {
        self == .unix ? unikernel : "\(unikernel).\(rawValue)"
    }

    /// The platform binding's modules and the expression that creates the platform.
    var platformModules: [String] {
        switch self {
        case .unix: ["SwiftletDevices", "SwiftletRuntime", "SwiftletUnix"]
        case .spt: ["SwiftletDevices", "SwiftletRuntime", "SwiftletSolo5", "CSwiftletSPT"]
        case .hvt: ["SwiftletDevices", "SwiftletRuntime", "SwiftletSolo5", "CSwiftletHVT"]
        case .virtio: ["SwiftletDevices", "SwiftletRuntime", "SwiftletSolo5", "CSwiftletVirtio", "SwiftletVirtio"]
        }
    }

    var platformType: String {
        switch self {
        case .unix: "UnixPlatform"
        case .spt, .hvt, .virtio: "Solo5Platform"
        }
    }

    /// How its code is compiled.
    var profile: BuildProfile {
        switch self {
        case .unix: .unix
        case .spt, .virtio: .solo5
        case .hvt: .hvt
        }
    }

    static let names = allCases.map(\.rawValue).joined(separator: ", ")

    /// Parses a `-t` value, with an error that lists the targets.
    static func parse(_ text: String) throws(ToolError) -> Target {
        guard let target = Target(rawValue: text) else {
            throw .usage("unknown target '\(text)'", hint: "choose one of: \(names)")
        }
        return target
    }
}
