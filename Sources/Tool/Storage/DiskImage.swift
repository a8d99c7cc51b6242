import Foundation

/// The disk images `swiftlet mkfs` makes from a folder, for the `tar` and `fat` key-value stores.
enum DiskImageFormat: String, CaseIterable {
    /// A POSIX tar archive (ustar, with pax records for long names and digests).
    case tar
    /// A FAT16 or FAT32 file system (FAT32 when the files need it), with long names.
    case fat

    /// Writes the files and folders of `tree` into a new image at `image`.
    func make(from tree: DirectoryTree, to image: URL) throws(ToolError) {
        switch self {
        case .tar: try TarWriter.write(tree, to: image)
        case .fat: try FATWriter.write(tree, to: image)
        }
    }
}
