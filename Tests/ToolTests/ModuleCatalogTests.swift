import Foundation
import Testing
@testable import SwiftletTool

/// The tool compiles Swiftlet's modules itself, from ModuleCatalog; SwiftPM compiles them from
/// Package.swift. The two must describe the same modules.
@Suite struct ModuleCatalogTests {
    struct PackageDump: Decodable {
        struct Target: Decodable {
            struct Dependency: Decodable {
                let byName: [String?]?
            }
            let name: String
            let path: String?
            let dependencies: [Dependency]
        }
        let targets: [Target]
    }

    @Test func catalogMatchesPackageSwift() throws {
        let swift = URL(fileURLWithPath: try Shell.swiftc()).deletingLastPathComponent().appendingPathComponent("swift").path
        let dump = try Support.run(swift, ["package", "--scratch-path", FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-dump-package").path, "dump-package"], in: Support.root, timeout: 120)
        try #require(dump.status == 0, "swift package dump-package failed: \(dump.stderr)")
        let package = try JSONDecoder().decode(PackageDump.self, from: Data(dump.stdout.utf8))
        for module in ModuleCatalog.all where module.isInPackage {
            let target = try #require(package.targets.first { $0.name == module.name }, "\(module.name) is not in Package.swift")
            #expect(target.path == module.path, "\(module.name)'s path")
            let dependencies = target.dependencies.compactMap { $0.byName?.first ?? nil }
            #expect(Set(dependencies) == Set(module.dependencies), "\(module.name)'s dependencies")
        }
    }

    @Test func closureListsDependenciesFirst() throws {
        let names = try ModuleCatalog.closure(of: ["SwiftletUnix"]).map(\.name)
        #expect(names == ["SwiftletDevices", "SwiftletRuntime", "CSwiftletUnix", "SwiftletUnix"])
    }

    @Test func unknownModulesAreErrors() {
        #expect(throws: ToolError.self) { try ModuleCatalog.closure(of: ["Nope"]) }
    }
}
