import Foundation

/// Builds a configured unikernel: Swiftlet's modules for the target (cached), then the
/// application with the generated `main.swift`, linked into `dist/`.
struct ImageBuilder {
    let home: SwiftletHome

    /// Builds `plan` for `folder`; returns the image's path.
    func build(_ plan: BuildPlan, in folder: UnikernelFolder) throws(ToolError) -> URL {
        let profile = plan.target.profile
        let products = try ModuleBuilder(home: home, profile: profile).build(try plan.modules())
        let sources = try folder.applicationSources() + [folder.generatedMain]
        let image = folder.distDirectory.appendingPathComponent(plan.imageName)
        do {
            try FileManager.default.createDirectory(at: folder.distDirectory, withIntermediateDirectories: true)
        } catch {
            throw ToolError("cannot create \(folder.distDirectory.path): \(error.localizedDescription)")
        }
        let temporary = image.appendingPathExtension("partial")
        let what = "building \(plan.unikernel.name) for \(plan.target.rawValue)"
        // The key-value stores' data: crunch images to link in, disk images in dist/.
        let stores = try StoreAssets(plan: plan, folder: folder).prepare()
        let cObjects = try compileC(try folder.cSources(), in: folder, profile: profile, includePaths: products.includePaths)
            + stores.objects
        let swiftArguments = ["-module-name", "Unikernel", "-swift-version", "5", "-wmo"] + profile.swiftFlags
            + (products.includePaths + stores.includePaths).flatMap { ["-I", $0.path] } + sources.map(\.path)
        switch plan.target {
        case .unix:
            try Shell.compile(try Shell.swiftc(), swiftArguments + profile.linkFlags + (cObjects + products.objects + products.archives).map(\.path)
                                + ["-o", temporary.path], what: what)
        case .spt, .hvt, .virtio:
            // Compile the application, then link everything freestanding with the target's script.
            let object = folder.buildDirectory.appendingPathComponent("unikernel.o")
            try Shell.compile(try Shell.swiftc(), swiftArguments + ["-c", "-o", object.path], what: what)
            let manifest = try compileManifest(plan, in: folder, profile: profile, includePaths: products.includePaths)
            // The image ships stripped; the unstripped twin stays in _build/ for gdb
            // (`add-symbol-file _build/NAME.spt.debug` once the tender has loaded it).
            let debugImage = folder.buildDirectory.appendingPathComponent(plan.imageName + ".debug")
            try link(plan.target, objects: [object, manifest] + cObjects + products.objects, archives: products.archives,
                     into: debugImage, what: what)
            try strip(debugImage, into: temporary)
        }
        try replace(image, with: temporary)
        return image
    }

    /// Compiles the application's C files with the target's flags.
    private func compileC(_ sources: [URL], in folder: UnikernelFolder, profile: BuildProfile,
                          includePaths: [URL]) throws(ToolError) -> [URL] {
        var objects: [URL] = []
        for source in sources {
            let object = folder.buildDirectory.appendingPathComponent("c-\(source.deletingPathExtension().lastPathComponent).o")
            try Shell.compile(try Shell.cc(), profile.cFlags + includePaths.flatMap { ["-I", $0.path] }
                                + ["-c", source.path, "-o", object.path], what: "compiling \(source.lastPathComponent)")
            objects.append(object)
        }
        return objects
    }

    /// The Solo5 device manifest (an ELF note) of the unikernel's block and network devices.
    private func compileManifest(_ plan: BuildPlan, in folder: UnikernelFolder, profile: BuildProfile,
                                 includePaths: [URL]) throws(ToolError) -> URL {
        let source = folder.buildDirectory.appendingPathComponent("manifest.c")
        let object = folder.buildDirectory.appendingPathComponent("manifest.o")
        do {
            try Solo5Manifest(plan: plan).cSource().write(to: source, atomically: true, encoding: .utf8)
        } catch let error as ToolError {
            throw error
        } catch {
            throw ToolError("cannot write \(source.path): \(error.localizedDescription)")
        }
        try Shell.compile(try Shell.cc(), profile.cFlags + includePaths.flatMap { ["-I", $0.path] }
                            + ["-c", source.path, "-o", object.path], what: "compiling the device manifest")
        return object
    }

    /// Links a freestanding image: our objects, the Embedded concurrency runtime, and the few
    /// libstdc++ helpers that runtime uses.
    private func link(_ target: Target, objects: [URL], archives: [URL], into image: URL, what: String) throws(ToolError) {
        let swiftc = URL(fileURLWithPath: try Shell.swiftc())
        let toolchain = swiftc.deletingLastPathComponent().deletingLastPathComponent()
        let embedded = toolchain.appendingPathComponent("lib/swift/embedded/x86_64-unknown-linux-gnu")
        let lld = swiftc.deletingLastPathComponent().appendingPathComponent("ld.lld").path
        let script = home.root.appendingPathComponent(target == .virtio ? "Sources/Platforms/Virtio/virtio.ld"
                                                                        : "Sources/Platforms/Solo5/solo5.ld")
        guard let gcc = gccLibraryDirectory() else {
            throw ToolError("cannot find gcc's libstdc++.a", hint: "install g++ (apt-get install g++)")
        }
        try Shell.compile(lld, ["-nostdlib", "-static", "--no-pie", "-z", "noexecstack", "-z", "max-page-size=4096",
                                "--gc-sections", "--icf=all", "-mllvm", "-enable-machine-outliner",
                                "-T", script.path, "-o", image.path]
                            + objects.map(\.path)
                            + ["--start-group"] + archives.map(\.path) + [
                               embedded.appendingPathComponent("libswift_Concurrency.a").path,
                               embedded.appendingPathComponent("libswiftUnicodeDataTables.a").path,
                               gcc.appendingPathComponent("libstdc++.a").path,
                               "--end-group"],
                          what: what + " (link)")
    }

    /// Strips symbols and the section table: loaders (ours, Solo5's) read only program headers,
    /// and gdb reads the unstripped twin.
    private func strip(_ image: URL, into stripped: URL) throws(ToolError) {
        let objcopy = URL(fileURLWithPath: try Shell.swiftc()).deletingLastPathComponent().appendingPathComponent("llvm-objcopy").path
        try Shell.compile(objcopy, ["--strip-all", "--strip-sections", image.path, stripped.path], what: "stripping \(image.lastPathComponent)")
    }

    private func gccLibraryDirectory() -> URL? {
        let base = URL(fileURLWithPath: "/usr/lib/gcc/x86_64-linux-gnu")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        return versions.sorted { $0.compare($1, options: .numeric) == .orderedDescending }
            .map { base.appendingPathComponent($0) }
            .first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("libstdc++.a").path) }
    }
}
