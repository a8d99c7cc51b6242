import Foundation

/// A host folder's contents as the image makers (crunch, tar, FAT) see them: every folder and
/// regular file under the root, parents before children, siblings sorted by name as UTF-8
/// bytes. Symbolic links are followed; anything else (sockets, devices) is an error.
struct DirectoryTree {
    struct Entry: Equatable {
        /// The segments of the path below the root: `["css", "site.css"]`.
        let path: [String]
        let isDirectory: Bool
        /// The file's size in bytes (0 for folders).
        let size: UInt64
        /// Where the file is on the host.
        let url: URL
        let modified: Date

        /// The path with `/` between segments and no leading slash: `css/site.css`.
        var relativePath: String { path.joined(separator: "/") }
    }

    let root: URL
    let entries: [Entry]

    /// Reads the tree under `root`, which must be a folder.
    init(scanning root: URL) throws(ToolError) {
        self.root = root.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ToolError("\(root.path) is not a folder", hint: "give the folder whose files the image should hold")
        }
        var found: [Entry] = []
        try Self.scan(self.root, path: [], depth: 0, into: &found)
        entries = found.sorted { Self.precedes($0.path, $1.path) }
    }

    /// The files only.
    var files: [Entry] { entries.filter { !$0.isDirectory } }

    /// The bytes of all files together.
    var totalFileBytes: UInt64 { files.reduce(0) { $0 + $1.size } }

    private static func scan(_ folder: URL, path: [String], depth: Int, into entries: inout [Entry]) throws(ToolError) {
        guard depth < 64 else { throw ToolError("\(folder.path) is nested more than 64 folders deep (a symbolic link loop?)") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw ToolError("cannot list \(folder.path): \(error.localizedDescription)")
        }
        for name in names {
            let url = folder.appendingPathComponent(name)
            var status = stat()
            guard stat(url.path, &status) == 0 else {
                throw ToolError("cannot read \(url.path): \(String(cString: strerror(errno)))")
            }
            let modified = Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                entries.append(Entry(path: path + [name], isDirectory: true, size: 0, url: url, modified: modified))
                try scan(url, path: path + [name], depth: depth + 1, into: &entries)
            case S_IFREG:
                entries.append(Entry(path: path + [name], isDirectory: false, size: UInt64(status.st_size), url: url, modified: modified))
            default:
                throw ToolError("\(url.path) is neither a file nor a folder", hint: "images hold only regular files and folders")
            }
        }
    }

    /// Path order: segment by segment, each compared as UTF-8 bytes; a folder before its contents.
    static func precedes(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
        }
        return a.count < b.count
    }
}
