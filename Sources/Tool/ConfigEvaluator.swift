import Foundation

/// Evaluates a unikernel's `config.swift`: compiles it against `SwiftletConfig`, runs it, and
/// reads back the description its `register(...)` call writes.
struct ConfigEvaluator {
    let home: SwiftletHome

    func evaluate(_ unikernel: UnikernelFolder) throws(ToolError) -> (UnikernelDescription, fingerprint: String) {
        let config = unikernel.configFile
        guard let source = try? Data(contentsOf: config) else {
            throw ToolError("no config.swift in \(unikernel.directory.path)",
                            hint: "run swiftlet in a unikernel's folder (one with config.swift and unikernel.swift), or pass -C DIR")
        }
        let products = try ModuleBuilder(home: home, profile: .host).build(try ModuleCatalog.closure(of: ["SwiftletConfig"]))
        var fingerprint = Fingerprint()
        fingerprint.add(source)
        fingerprint.add((try? Data(contentsOf: products.cache.appendingPathComponent("SwiftletConfig.fingerprint"))) ?? Data())

        let work = unikernel.buildDirectory.appendingPathComponent("config")
        let description = work.appendingPathComponent("description.json")
        let stamp = work.appendingPathComponent("fingerprint")
        if (try? String(contentsOf: stamp, encoding: .utf8)) != fingerprint.hex
            || !FileManager.default.fileExists(atPath: description.path) {
            try? FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let program = work.appendingPathComponent("evaluate-config")
            let compile = try Shell.capture(
                try Shell.swiftc(),
                ["-swift-version", "5", "-Onone", "-module-name", "Config"]
                    + products.includePaths.flatMap { ["-I", $0.path] }
                    + [config.path] + products.objects.map(\.path) + ["-o", program.path])
            guard compile.status == 0 else {
                throw ToolError("config.swift does not compile:\n" + compile.text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            try? FileManager.default.removeItem(at: description)
            let run = try Shell.capture(program.path, [], environment: ["SWIFTLET_CONFIG_OUTPUT": description.path],
                                        in: unikernel.directory)
            guard run.status == 0 else {
                throw ToolError("config.swift failed when run (status \(run.status)):\n" + run.text)
            }
            try? fingerprint.hex.write(to: stamp, atomically: true, encoding: .utf8)
        }
        let lines = ((try? String(contentsOf: description, encoding: .utf8)) ?? "")
            .split(separator: "\n").filter { !$0.isEmpty }
        guard lines.count == 1 else {
            try? FileManager.default.removeItem(at: stamp)
            throw ToolError(lines.isEmpty ? "config.swift never calls register(...)" : "config.swift calls register(...) \(lines.count) times",
                            hint: "end config.swift with exactly one register(\"NAME\", main: \"Type\", devices: [...])")
        }
        do {
            let unikernel = try JSONDecoder().decode(UnikernelDescription.self, from: Data(lines[0].utf8))
            try unikernel.validate()
            return (unikernel, fingerprint.hex)
        } catch let error as ToolError {
            throw error
        } catch {
            throw ToolError("cannot read what config.swift registered: \(error)")
        }
    }
}

/// A unikernel's folder and the files the tool keeps in it.
struct UnikernelFolder {
    let directory: URL

    var configFile: URL { directory.appendingPathComponent("config.swift") }
    /// Generated files: the build plan, `main.swift`, the evaluated configuration.
    var buildDirectory: URL { directory.appendingPathComponent("_build") }
    var planFile: URL { buildDirectory.appendingPathComponent("plan.json") }
    var generatedMain: URL { buildDirectory.appendingPathComponent("main.swift") }
    /// Built images.
    var distDirectory: URL { directory.appendingPathComponent("dist") }

    /// The application's own Swift sources: every `.swift` file but `config.swift` and generated ones.
    func applicationSources() throws(ToolError) -> [URL] {
        let sources = try files(withExtension: "swift")
        guard !sources.isEmpty else {
            throw ToolError("no application sources in \(directory.path)", hint: "put the type named in register(main:) in unikernel.swift")
        }
        return sources
    }

    /// C files of the application (small stubs, as MirageOS allows), compiled for the target.
    func cSources() throws(ToolError) -> [URL] {
        try files(withExtension: "c")
    }

    private func files(withExtension wanted: String) throws(ToolError) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(
            at: directory, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles]) else {
            throw ToolError("cannot list \(directory.path)")
        }
        var sources: [URL] = []
        for case let url as URL in enumerator {
            if ["_build", "dist"].contains(url.lastPathComponent),
               (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                enumerator.skipDescendants()
                continue
            }
            if url.pathExtension == wanted, url.standardizedFileURL != configFile.standardizedFileURL {
                sources.append(url)
            }
        }
        return sources.sorted { $0.path < $1.path }
    }
}
