import Foundation

/// Writes FAT file systems (placeholder until the FAT store lands).
enum FATWriter {
    static func write(_ tree: DirectoryTree, to image: URL) throws(ToolError) {
        throw ToolError("swiftlet mkfs --fat is not available yet")
    }
}
