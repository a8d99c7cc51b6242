import Foundation

/// Builds the tenders (`swiftlet-spt`) from Sources/Tenders as Embedded Swift programs for the
/// host, linked statically: no language runtime to start, so a unikernel starts about as fast
/// as a C program would. Position-independent, so the kernel loads the tender high, away from
/// the guest memory it maps from 64 KiB up.
struct TenderBuilder {
    let home: SwiftletHome

    /// The tender for `target`, built if it is missing or older than its parts.
    func build(_ target: Target) throws(ToolError) -> URL {
        let (module, name): (String, String)
        switch target {
        case .spt: (module, name) = ("SwiftletSPTTender", "swiftlet-spt")
        case .hvt: (module, name) = ("SwiftletHVTTender", "swiftlet-hvt")
        case .unix, .virtio: throw ToolError("\(target.rawValue) has no tender")
        }
        // Each tender links its own entry module and the shared ones, not the other tender.
        let modules = try ModuleCatalog.closure(of: [module])
        let products = try ModuleBuilder(home: home, profile: .tender).build(modules)
        let tender = products.cache.appendingPathComponent(name)
        // Parallel builds (tests, two shells) link under one lock, and the second finds it done.
        return try withLock(on: products.cache.appendingPathComponent(".\(name).lock")) { () throws(ToolError) -> URL in
            let newestPart = products.objects.compactMap { modificationDate($0) }.max() ?? .distantFuture
            if let built = modificationDate(tender), built >= newestPart { return tender }
            let swiftc = URL(fileURLWithPath: try Shell.swiftc())
            let unicode = swiftc.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("lib/swift/embedded/x86_64-unknown-linux-gnu/libswiftUnicodeDataTables.a")
            Shell.progress("linking the tender \(name)")
            let partial = tender.appendingPathExtension("partial")
            try Shell.compile(try Shell.cc(), ["-static-pie", "-O2", "-fuse-ld=lld", "-Wl,--gc-sections", "-o", partial.path]
                                + products.objects.map(\.path) + [unicode.path, "-lm"],
                              what: "linking \(name)")
            try replace(tender, with: partial)
            return tender
        }
    }

    private func modificationDate(_ url: URL) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
    }
}
