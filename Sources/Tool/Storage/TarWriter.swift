import Foundation

/// Writes tar archives (placeholder until the tar store lands).
enum TarWriter {
    static func write(_ tree: DirectoryTree, to image: URL) throws(ToolError) {
        throw ToolError("swiftlet mkfs --tar is not available yet")
    }
}
