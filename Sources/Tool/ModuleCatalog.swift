/// One of Swiftlet's library modules, as the tool compiles it into unikernels.
///
/// This mirrors the library targets of `Package.swift` (a test checks that the two agree):
/// SwiftPM builds them for `swift test`, the tool builds them for each unikernel target.
struct LibraryModule: Equatable {
    enum Language: Equatable {
        case swift
        /// A C shim whose headers and `module.modulemap` are in `include/`.
        case c
        /// Only headers and a `module.modulemap` in `include/` (no code to compile).
        case headers
    }

    let name: String
    /// The source folder, relative to the checkout.
    let path: String
    let language: Language
    let dependencies: [String]
    /// Whether the module is above the platform layer, and so must compile as Embedded Swift.
    let isTargetIndependent: Bool
    /// Whether SwiftPM builds it too (for `swift test`). The unikernel bindings are freestanding
    /// code (their own `malloc`, `_start`) that only the tool builds, for their target.
    var isInPackage = true
    /// Static libraries of the system the module's code calls (absolute paths), linked into
    /// every image that has the module.
    var archives: [String] = []

    var includePath: String { path + "/include" }
}

enum ModuleCatalog {
    static let all: [LibraryModule] = [
        LibraryModule(name: "SwiftletDevices", path: "Sources/Devices", language: .swift,
                      dependencies: [], isTargetIndependent: true),
        LibraryModule(name: "SwiftletRuntime", path: "Sources/Runtime", language: .swift,
                      dependencies: ["SwiftletDevices"], isTargetIndependent: true),
        LibraryModule(name: "SwiftletNet", path: "Sources/Network", language: .swift,
                      dependencies: ["SwiftletDevices", "SwiftletRuntime"], isTargetIndependent: true),
        LibraryModule(name: "SwiftletStorage", path: "Sources/Storage", language: .swift,
                      dependencies: ["SwiftletDevices", "SwiftletRuntime"], isTargetIndependent: true),
        LibraryModule(name: "SwiftletHTTP", path: "Sources/HTTP", language: .swift,
                      dependencies: ["SwiftletDevices", "SwiftletRuntime"], isTargetIndependent: true),
        // Cryptography: BearSSL's headers and a C shim over them, and the Swift API.
        LibraryModule(name: "CBearSSL", path: "Sources/Crypto/BearSSL", language: .c,
                      dependencies: [], isTargetIndependent: true,
                      archives: ["/usr/lib/x86_64-linux-gnu/libbearssl.a"]),
        LibraryModule(name: "SwiftletCrypto", path: "Sources/Crypto", language: .swift,
                      dependencies: ["SwiftletDevices", "SwiftletRuntime", "CBearSSL"], isTargetIndependent: true),
        LibraryModule(name: "SwiftletX509", path: "Sources/X509", language: .swift,
                      dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletCrypto"], isTargetIndependent: true),
        LibraryModule(name: "SwiftletTLS", path: "Sources/TLS", language: .swift,
                      dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletCrypto", "SwiftletX509"], isTargetIndependent: true),
        LibraryModule(name: "CSwiftletUnix", path: "Sources/Platforms/Unix/CShim", language: .c,
                      dependencies: [], isTargetIndependent: false),
        LibraryModule(name: "SwiftletUnix", path: "Sources/Platforms/Unix/Binding", language: .swift,
                      dependencies: ["SwiftletDevices", "SwiftletRuntime", "CSwiftletUnix"], isTargetIndependent: false),
        LibraryModule(name: "SwiftletConfig", path: "Sources/Configuration", language: .swift,
                      dependencies: [], isTargetIndependent: false),
        // Solo5 targets: the common freestanding runtime and Swift platform, then one C
        // binding per target.
        LibraryModule(name: "CSolo5ABI", path: "Sources/Platforms/Solo5/ABI", language: .c,
                      dependencies: [], isTargetIndependent: false),
        LibraryModule(name: "CSwiftletSolo5", path: "Sources/Platforms/Solo5/CShim", language: .c,
                      dependencies: ["CSolo5ABI"], isTargetIndependent: false, isInPackage: false),
        LibraryModule(name: "SwiftletSolo5", path: "Sources/Platforms/Solo5/Binding", language: .swift,
                      dependencies: ["SwiftletDevices", "SwiftletRuntime", "CSwiftletSolo5"],
                      isTargetIndependent: false, isInPackage: false),
        LibraryModule(name: "CSwiftletSPT", path: "Sources/Platforms/Solo5/SPT", language: .c,
                      dependencies: ["CSolo5ABI", "CSwiftletSolo5"], isTargetIndependent: false, isInPackage: false),
        LibraryModule(name: "CSwiftletHVT", path: "Sources/Platforms/Solo5/HVT", language: .c,
                      dependencies: ["CSolo5ABI", "CSwiftletSolo5"], isTargetIndependent: false, isInPackage: false),
        // virtio: the boot code (C and the unavoidable assembly) and the drivers (Swift).
        LibraryModule(name: "CSwiftletVirtio", path: "Sources/Platforms/Virtio/Boot", language: .c,
                      dependencies: ["CSolo5ABI", "CSwiftletSolo5"], isTargetIndependent: false, isInPackage: false),
        LibraryModule(name: "SwiftletVirtio", path: "Sources/Platforms/Virtio/Drivers", language: .swift,
                      dependencies: ["CSolo5ABI", "CSwiftletSolo5", "CSwiftletVirtio"],
                      isTargetIndependent: false, isInPackage: false),
        // The tenders: Embedded Swift programs for the host, so they start as fast as C ones.
        LibraryModule(name: "HostLibc", path: "Sources/Tenders/HostLibc", language: .headers,
                      dependencies: [], isTargetIndependent: false, isInPackage: false),
        LibraryModule(name: "CSwiftletTender", path: "Sources/Tenders/CShim", language: .c,
                      dependencies: [], isTargetIndependent: false, isInPackage: false),
        LibraryModule(name: "SwiftletTender", path: "Sources/Tenders/Common", language: .swift,
                      dependencies: ["HostLibc", "CSolo5ABI", "CSwiftletTender", "SwiftletRuntime"],
                      isTargetIndependent: false, isInPackage: false),
        LibraryModule(name: "SwiftletSPTTender", path: "Sources/Tenders/SPT", language: .swift,
                      dependencies: ["SwiftletTender", "HostLibc", "CSolo5ABI", "CSwiftletTender"],
                      isTargetIndependent: false, isInPackage: false),
        LibraryModule(name: "SwiftletHVTTender", path: "Sources/Tenders/HVT", language: .swift,
                      dependencies: ["SwiftletTender", "HostLibc", "CSolo5ABI", "CSwiftletTender"],
                      isTargetIndependent: false, isInPackage: false),
    ]

    static func module(named name: String) -> LibraryModule? { all.first { $0.name == name } }

    /// `names` and everything they depend on, dependencies first.
    static func closure(of names: [String]) throws(ToolError) -> [LibraryModule] {
        var ordered: [LibraryModule] = []
        func visit(_ name: String) throws(ToolError) {
            guard !ordered.contains(where: { $0.name == name }) else { return }
            guard let module = module(named: name) else {
                throw ToolError("unknown Swiftlet module '\(name)'",
                                hint: "known modules: " + all.map(\.name).joined(separator: ", "))
            }
            for dependency in module.dependencies { try visit(dependency) }
            ordered.append(module)
        }
        for name in names { try visit(name) }
        return ordered
    }
}
