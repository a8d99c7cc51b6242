import Foundation
import Testing
@testable import SwiftletTool

/// Everything above the platform layer must compile as Embedded Swift (no Foundation, no
/// reflection, no existentials of non-class protocols, typed throws): the unikernel targets
/// compile it that way. This builds those modules exactly as the tool will for them.
@Suite struct EmbeddedBuildTests {
    @Test func targetIndependentModulesCompileAsEmbeddedSwift() throws {
        let modules = ModuleCatalog.all.filter(\.isTargetIndependent)
        #expect(modules.map(\.name) == ["SwiftletDevices", "SwiftletRuntime", "SwiftletNet", "SwiftletStorage", "SwiftletHTTP", "SwiftletDNS",
                                    "CBearSSL", "SwiftletCrypto", "SwiftletX509", "SwiftletTLS", "SwiftletACME"])
        let home = SwiftletHome(root: Support.root)
        let products = try ModuleBuilder(home: home, profile: .embedded).build(modules)
        for object in products.objects {
            let size = try FileManager.default.attributesOfItem(atPath: object.path)[.size] as? Int ?? 0
            #expect(size > 0, "\(object.lastPathComponent) is empty")
        }
    }
}
