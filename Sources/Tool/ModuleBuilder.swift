import Foundation

/// How code is compiled for one kind of target.
struct BuildProfile: Equatable {
    let name: String
    let swiftFlags: [String]
    let cFlags: [String]
    /// Extra flags when linking an executable.
    let linkFlags: [String]

    /// Ordinary Swift for a Linux process (the unix target).
    static let unix = BuildProfile(name: "unix", swiftFlags: ["-O"], cFlags: ["-O2", "-fstack-protector-strong"],
                                   linkFlags: ["-static-stdlib"])
    /// Quick host builds: evaluating `config.swift`.
    static let host = BuildProfile(name: "host", swiftFlags: ["-Onone"], cFlags: [], linkFlags: [])
    /// Embedded Swift, as the unikernel targets compile it.
    static let embedded = BuildProfile(
        name: "embedded",
        swiftFlags: ["-target", "x86_64-unknown-linux-gnu", "-enable-experimental-feature", "Embedded", "-Osize"],
        cFlags: ["-Os", "-ffreestanding"], linkFlags: [])
    /// hvt: as `solo5`, with Swift code built without SSE (a KVM that only emulates its guests,
    /// like kvm_pvm, cannot run SSE); `double`s then travel on the x87 stack, so the C runtime's
    /// one floating-point function is built to match.
    static let hvt = BuildProfile(
        name: "hvt",
        swiftFlags: solo5.swiftFlags.filter { $0 != "-lto=llvm-full" } + ["-Xcc", "-mno-sse", "-Xcc", "-mno-sse2"],
        cFlags: solo5.cFlags + ["-DSWIFTLET_X87_FLOAT", "-DSWIFTLET_PORTABLE_CRYPTO"],
        linkFlags: [])
    /// The tenders: Embedded Swift for the host, linked statically with the C library.
    static let tender = BuildProfile(
        name: "tender",
        swiftFlags: embedded.swiftFlags + ["-Xfrontend", "-function-sections"],
        cFlags: ["-O2", "-fPIE", "-ffunction-sections", "-fdata-sections", "-Wall"],
        linkFlags: [])
    /// The Solo5 targets (spt, hvt, virtio): Embedded Swift and freestanding C in a static image, in
    /// sections the linker can drop.
    static let solo5 = BuildProfile(
        name: "solo5",
        // Full LTO: the Swift objects are LLVM bitcode and ld.lld optimises the whole image at
        // once, dropping module globals (and the code they keep alive) that nothing uses.
        swiftFlags: embedded.swiftFlags + ["-Xfrontend", "-function-sections", "-Xcc", "-fno-pic", "-lto=llvm-full"],
        cFlags: ["--target=x86_64-unknown-linux-gnu", "-Os", "-ffreestanding", "-fno-builtin", "-fno-pic", "-mno-sse",
                 "-fstack-protector-strong", "-ffunction-sections", "-fdata-sections", "-Wall"],
        linkFlags: [])
}

/// Compiles Swiftlet's library modules into a cache, once per profile and source change.
struct ModuleBuilder {
    let home: SwiftletHome
    let profile: BuildProfile

    /// What a module build produced, for compiling and linking code that uses the modules.
    struct Products {
        let cache: URL
        var objects: [URL] = []
        var includePaths: [URL] = []
        /// System static libraries to link after the objects.
        var archives: [URL] = []
    }

    /// Builds `modules` (dependencies first) unless the cache is up to date.
    func build(_ modules: [LibraryModule]) throws(ToolError) -> Products {
        let cache = home.moduleCache(for: profile)
        do {
            try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        } catch {
            throw ToolError("cannot create \(cache.path): \(error.localizedDescription)")
        }
        return try withLock(on: cache.appendingPathComponent(".lock")) { () throws(ToolError) -> Products in
            var products = Products(cache: cache, includePaths: [cache])
            var fingerprints: [String: String] = [:]
            for module in modules {
                let sources = try sourceFiles(of: module)
                var fingerprint = Fingerprint()
                fingerprint.add(profile.name + profile.swiftFlags.joined() + profile.cFlags.joined())
                fingerprint.add(try Shell.swiftc())
                for dependency in module.dependencies { fingerprint.add(fingerprints[dependency] ?? "") }
                for source in sources {
                    fingerprint.add(source.path)
                    fingerprint.add((try? Data(contentsOf: source)) ?? Data())
                }
                fingerprints[module.name] = fingerprint.hex
                for archive in module.archives {
                    guard FileManager.default.fileExists(atPath: archive) else {
                        throw ToolError("\(module.name) needs \(archive), which is missing",
                                        hint: "install the package that has it (Scripts/install-dependencies)")
                    }
                    products.archives.append(URL(fileURLWithPath: archive))
                }
                if module.language != .swift {
                    products.includePaths.append(home.root.appendingPathComponent(module.includePath))
                }
                if module.language == .headers { continue }
                // Swift modules compile whole-module into one object; C files one object each.
                let objects = module.language == .swift
                    ? [cache.appendingPathComponent("\(module.name).o")]
                    : sources.map { cache.appendingPathComponent("\(module.name)-\($0.deletingPathExtension().lastPathComponent).o") }
                let stamp = cache.appendingPathComponent("\(module.name).fingerprint")
                let upToDate = (try? String(contentsOf: stamp, encoding: .utf8)) == fingerprint.hex
                    && objects.allSatisfy { FileManager.default.fileExists(atPath: $0.path) }
                if !upToDate {
                    try compile(module, sources: sources, into: objects, includePaths: products.includePaths)
                    try? fingerprint.hex.write(to: stamp, atomically: true, encoding: .utf8)
                }
                products.objects += objects
            }
            return products
        }
    }

    private func compile(_ module: LibraryModule, sources: [URL], into objects: [URL], includePaths: [URL]) throws(ToolError) {
        let includes = includePaths.flatMap { ["-I", $0.path] }
        switch module.language {
        case .swift:
            let object = objects[0]
            let moduleFile = object.deletingPathExtension().appendingPathExtension("swiftmodule")
            try Shell.compile(try Shell.swiftc(),
                              ["-module-name", module.name, "-parse-as-library", "-wmo", "-swift-version", "5"]
                                + profile.swiftFlags + includes
                                + ["-emit-module", "-emit-module-path", moduleFile.path, "-c"]
                                + sources.map(\.path) + ["-o", object.path],
                              what: "compiling \(module.name) (\(profile.name))")
        case .headers:
            break
        case .c:
            for (source, object) in zip(sources, objects) {
                try Shell.compile(try Shell.cc(), profile.cFlags + includes + ["-c", source.path, "-o", object.path],
                                  what: "compiling \(source.lastPathComponent) of \(module.name) (\(profile.name))")
            }
        }
    }

    private func sourceFiles(of module: LibraryModule) throws(ToolError) -> [URL] {
        let directory = home.root.appendingPathComponent(module.path)
        if module.language == .headers { return [] }
        let wanted = module.language == .swift ? "swift" : "c"
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            throw ToolError("missing sources of \(module.name) at \(directory.path)")
        }
        let files = enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == wanted }
        guard !files.isEmpty else { throw ToolError("no .\(wanted) sources for \(module.name) in \(directory.path)") }
        return files.sorted { $0.path < $1.path }
    }
}

/// Runs `body` holding an exclusive lock on `path`, so parallel builds do not share a half-written cache.
func withLock<T>(on path: URL, _ body: () throws(ToolError) -> T) throws(ToolError) -> T {
    let descriptor = open(path.path, O_CREAT | O_RDWR, 0o644)
    guard descriptor >= 0 else { throw ToolError("cannot open lock file \(path.path)") }
    defer { close(descriptor) }
    flock(descriptor, LOCK_EX)
    defer { flock(descriptor, LOCK_UN) }
    return try body()
}
