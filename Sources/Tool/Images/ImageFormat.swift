import Foundation

/// The images `swiftlet mkimage` makes from a virtio unikernel (`--format raw,gce,qcow2`).
enum ImageFormat: String, CaseIterable, Equatable {
    /// `dist/NAME.img`: a raw MBR disk that GRUB boots in BIOS firmware.
    case raw
    /// `dist/NAME.tar.gz`: that disk as `disk.raw` in a gzipped GNU tar, for Google Compute Engine.
    case gce
    /// `dist/NAME.qcow2`: that disk converted by `qemu-img`.
    case qcow2

    /// The file made in `dist/` for a unikernel called `name`.
    func fileName(for name: String) -> String {
        switch self {
        case .raw: "\(name).img"
        case .gce: "\(name).tar.gz"
        case .qcow2: "\(name).qcow2"
        }
    }

    static let names = allCases.map(\.rawValue).joined(separator: ",")

    /// Parses a `--format` value: formats separated by commas, each at most once, in the
    /// canonical order whatever order they were given in.
    static func parseList(_ text: String) throws(ToolError) -> [ImageFormat] {
        var chosen = Set<ImageFormat>()
        for word in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = word.trimmingCharacters(in: .whitespaces).lowercased()
            guard let format = ImageFormat(rawValue: name) else {
                throw .usage(name.isEmpty ? "an empty image format in '--format \(text)'" : "unknown image format '\(name)'",
                             hint: "give one or more of \(names), separated by commas: swiftlet mkimage --format raw,qcow2")
            }
            chosen.insert(format)
        }
        return allCases.filter(chosen.contains)
    }
}
