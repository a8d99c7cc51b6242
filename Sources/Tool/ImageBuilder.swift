import Foundation

/// Builds a configured unikernel: Swiftlet's modules for the target (cached), then the
/// application with the generated `main.swift`, linked into `dist/`.
struct ImageBuilder {
    let home: SwiftletHome

    /// Builds `plan` for `folder`; returns the image's path.
    func build(_ plan: BuildPlan, in folder: UnikernelFolder) throws(ToolError) -> URL {
        guard plan.target == .unix else {
            throw ToolError("building for \(plan.target.rawValue) is not available yet")
        }
        let profile = BuildProfile.unix
        let products = try ModuleBuilder(home: home, profile: profile).build(try plan.modules())
        let sources = try folder.applicationSources() + [folder.generatedMain]
        let image = folder.distDirectory.appendingPathComponent(plan.imageName)
        do {
            try FileManager.default.createDirectory(at: folder.distDirectory, withIntermediateDirectories: true)
        } catch {
            throw ToolError("cannot create \(folder.distDirectory.path): \(error.localizedDescription)")
        }
        let temporary = image.appendingPathExtension("partial")
        try Shell.compile(try Shell.swiftc(),
                          ["-module-name", "Unikernel", "-swift-version", "5", "-wmo"] + profile.swiftFlags + profile.linkFlags
                            + products.includePaths.flatMap { ["-I", $0.path] }
                            + sources.map(\.path) + products.objects.map(\.path) + ["-o", temporary.path],
                          what: "building \(plan.unikernel.name) for \(plan.target.rawValue)")
        // Replace the image only once it is complete, so a failed build leaves the old one.
        _ = try? FileManager.default.removeItem(at: image)
        do {
            try FileManager.default.moveItem(at: temporary, to: image)
        } catch {
            throw ToolError("cannot write \(image.path): \(error.localizedDescription)")
        }
        return image
    }
}
