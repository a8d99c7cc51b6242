import Foundation

/// The Swiftlet checkout the tool belongs to: where library sources live and where compiled
/// library modules are cached.
struct SwiftletHome {
    let root: URL

    /// `$SWIFTLET_ROOT`, else the checkout that holds this executable (`.build/…/swiftlet`).
    static func locate() throws(ToolError) -> SwiftletHome {
        if let explicit = ProcessInfo.processInfo.environment["SWIFTLET_ROOT"] {
            let root = URL(fileURLWithPath: explicit)
            guard isCheckout(root) else {
                throw ToolError("SWIFTLET_ROOT=\(explicit) is not a Swiftlet checkout (no Sources/Runtime)")
            }
            return SwiftletHome(root: root)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? executable.path),
            executable,
        ]
        for candidate in candidates {
            var directory = candidate.deletingLastPathComponent()
            while directory.path != "/" {
                if isCheckout(directory) { return SwiftletHome(root: directory) }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw ToolError("cannot find the Swiftlet sources next to this swiftlet executable",
                        hint: "set SWIFTLET_ROOT to your Swiftlet checkout")
    }

    static func isCheckout(_ directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path)
            && FileManager.default.fileExists(atPath: directory.appendingPathComponent("Sources/Runtime").path)
    }

    /// Where library modules compiled for `profile` are kept.
    func moduleCache(for profile: BuildProfile) -> URL {
        root.appendingPathComponent(".build/swiftlet-modules/\(profile.name)")
    }
}
