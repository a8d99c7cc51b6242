import Foundation

/// Writes a folder as a POSIX tar archive (`swiftlet mkfs --tar`) for the `tar` key-value store;
/// GNU tar and any pax reader list and extract it.
///
/// One folder entry (mode 0755) per folder, one file entry (mode 0644) per file, in the tree's
/// order (parents first), uid/gid 0, ustar magic. Before every file comes a pax extended
/// header with the file's SHA-256 (`SWIFTLET.sha256=<hex>`, the store's digest, so it never
/// reads a file to make an ETag) and, when the name does not fit the ustar fields or is not
/// ASCII, its full `path`. File data is streamed in 1 MiB pieces; the archive is written to
/// `IMAGE.partial` and renamed when complete.
enum TarWriter {
    /// The largest file the 11 octal digits of a ustar size field hold (8 GiB - 1).
    static let largestFileSize: UInt64 = 0o77777777777
    /// Files hashed per `sha256sum` run.
    static let hashBatchSize = 500
    static let blockSize = 512
    static let chunkSize = 1 << 20

    static func write(_ tree: DirectoryTree, to image: URL) throws(ToolError) {
        let files = tree.files
        for file in files where file.size > largestFileSize {
            throw ToolError("\(file.url.path) is \(file.size) bytes; tar images hold files below 8 GiB",
                            hint: "leave the file out of the folder, or use --fat")
        }
        let digests = try sha256(of: files, in: tree.root)

        let partial = URL(fileURLWithPath: image.path + ".partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: partial) else {
            throw ToolError("cannot create \(partial.path)", hint: "check that its folder exists and is writable")
        }
        var output = Output(handle: handle, path: partial.path)
        do throws(ToolError) {
            for entry in tree.entries {
                let mtime = modificationTime(entry.modified)
                if entry.isDirectory {
                    let path = Array((entry.relativePath + "/").utf8)
                    try writeEntry(path: path, typeflag: UInt8(ascii: "5"), mode: 0o755, size: 0, mtime: mtime,
                                   records: [], to: &output)
                } else {
                    guard let digest = digests[entry.relativePath] else {
                        throw ToolError("sha256sum gave no digest for \(entry.url.path)")
                    }
                    try writeEntry(path: Array(entry.relativePath.utf8), typeflag: UInt8(ascii: "0"), mode: 0o644,
                                   size: entry.size, mtime: mtime,
                                   records: [paxRecord("SWIFTLET.sha256", Array(digest.utf8))], to: &output)
                    try copyData(of: entry, to: &output)
                }
            }
            try output.append([UInt8](repeating: 0, count: 2 * blockSize))
            try output.flush()
            try? handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        guard rename(partial.path, image.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: partial)
            throw ToolError("cannot rename \(partial.path) to \(image.path): \(reason)")
        }
    }

    // MARK: Entries

    /// Writes a header for `path`, preceded by a pax header holding `records` and, when the
    /// path does not fit ustar, a `path` record.
    static func writeEntry(path: [UInt8], typeflag: UInt8, mode: UInt32, size: UInt64, mtime: UInt64,
                           records: [[UInt8]], to output: inout Output) throws(ToolError) {
        var pax = records
        let fields: UstarName
        if let fitting = ustarName(path) {
            fields = fitting
        } else {
            pax.insert(paxRecord("path", path), at: 0)
            // What a reader without pax support sees: the name made ASCII and cut to fit.
            let sanitized = path.map { $0 < 0x80 && $0 != 0 ? $0 : UInt8(ascii: "_") }
            fields = ustarName(sanitized) ?? UstarName(name: Array(sanitized.suffix(100)), prefix: [])
        }
        if !pax.isEmpty {
            let data = pax.flatMap { $0 }
            let base = path.split(separator: UInt8(ascii: "/")).last.map(Array.init) ?? []
            let paxName = Array("PaxHeaders/".utf8) + base.map { $0 < 0x80 && $0 != 0 ? $0 : UInt8(ascii: "_") }
            try output.append(header(UstarName(name: Array(paxName.prefix(100)), prefix: []), typeflag: UInt8(ascii: "x"),
                                     mode: 0o644, size: UInt64(data.count), mtime: mtime))
            try output.append(data)
            try output.append(padding(for: UInt64(data.count)))
        }
        try output.append(header(fields, typeflag: typeflag, mode: mode, size: size, mtime: mtime))
    }

    /// Streams the file's bytes after its header, then pads them to a whole block.
    static func copyData(of entry: DirectoryTree.Entry, to output: inout Output) throws(ToolError) {
        let input: FileHandle
        do {
            input = try FileHandle(forReadingFrom: entry.url)
        } catch {
            throw ToolError("cannot open \(entry.url.path): \(error.localizedDescription)")
        }
        defer { try? input.close() }
        var copied: UInt64 = 0
        while true {
            let chunk: Data
            do {
                chunk = try input.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw ToolError("cannot read \(entry.url.path): \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            copied += UInt64(chunk.count)
            guard copied <= entry.size else { break }
            try output.append(chunk)
        }
        guard copied == entry.size else {
            throw ToolError("\(entry.url.path) changed size while the image was written (\(entry.size) bytes, then \(copied))",
                            hint: "run swiftlet mkfs again when nothing writes to the folder")
        }
        try output.append(padding(for: entry.size))
    }

    // MARK: Header fields

    /// The ustar `name` and `prefix` fields of a path.
    struct UstarName: Equatable {
        var name: [UInt8]
        var prefix: [UInt8]
    }

    /// How `path` fits the 100-byte name and 155-byte prefix fields (split at a `/`), or `nil`
    /// when it does not, or is not plain ASCII (pax then records it as UTF-8).
    static func ustarName(_ path: [UInt8]) -> UstarName? {
        guard path.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        if path.count <= 100 { return UstarName(name: path, prefix: []) }
        guard path.count <= 256 else { return nil }
        // The longest prefix that fits leaves the shortest name.
        for split in stride(from: min(155, path.count - 2), through: 1, by: -1) where path[split] == UInt8(ascii: "/") {
            let name = path[(split + 1)...]
            guard name.count <= 100 else { return nil }
            return UstarName(name: Array(name), prefix: Array(path[..<split]))
        }
        return nil
    }

    /// A 512-byte ustar header.
    static func header(_ path: UstarName, typeflag: UInt8, mode: UInt32, size: UInt64, mtime: UInt64) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ bytes: [UInt8], at offset: Int) {
            block.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        put(path.name, at: 0)
        put(octal(UInt64(mode), width: 8), at: 100)
        put(octal(0, width: 8), at: 108)  // uid
        put(octal(0, width: 8), at: 116)  // gid
        put(octal(size, width: 12), at: 124)
        put(octal(mtime, width: 12), at: 136)
        block[156] = typeflag
        put(Array("ustar\u{0}00".utf8), at: 257)
        put(Array("root".utf8), at: 265)  // uname
        put(Array("root".utf8), at: 297)  // gname
        put(octal(0, width: 8), at: 329)  // devmajor
        put(octal(0, width: 8), at: 337)  // devminor
        put(path.prefix, at: 345)
        // The checksum is taken with its own field as spaces, then stored as six digits, NUL, space.
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
        let sum = block.reduce(UInt64(0)) { $0 + UInt64($1) }
        put(octal(sum, width: 7), at: 148)
        block[155] = UInt8(ascii: " ")
        return block
    }

    /// `value` as zero-padded octal digits followed by a NUL, `width` bytes in all.
    static func octal(_ value: UInt64, width: Int) -> [UInt8] {
        let digits = Array(String(value, radix: 8).utf8)
        return [UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - 1 - digits.count)) + digits + [0]
    }

    /// One pax record, `"<length> <key>=<value>\n"`, whose length counts itself.
    static func paxRecord(_ key: String, _ value: [UInt8]) -> [UInt8] {
        let body = Array(" \(key)=".utf8) + value + [UInt8(ascii: "\n")]
        var length = body.count + 1
        while String(length).utf8.count + body.count != length { length = String(length).utf8.count + body.count }
        return Array(String(length).utf8) + body
    }

    /// Zeroes from `size` to the next multiple of 512.
    static func padding(for size: UInt64) -> [UInt8] {
        [UInt8](repeating: 0, count: Int((UInt64(blockSize) - size % UInt64(blockSize)) % UInt64(blockSize)))
    }

    /// Seconds since 1970 in the range the 11 octal digits hold.
    static func modificationTime(_ date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds > 0 else { return 0 }
        return seconds >= Double(0o77777777777) ? 0o77777777777 : UInt64(seconds)
    }

    // MARK: Digests

    /// The SHA-256 of every file, keyed by relative path, from one `sha256sum` run per batch of
    /// files (the tool is a debug build, where hashing in Swift would be slow).
    static func sha256(of files: [DirectoryTree.Entry], in root: URL) throws(ToolError) -> [String: String] {
        guard !files.isEmpty else { return [:] }
        let program = try locate("sha256sum")
        var digests: [String: String] = [:]
        var batch: [String] = []
        var argumentBytes = 0
        for (index, file) in files.enumerated() {
            batch.append(file.relativePath)
            argumentBytes += file.relativePath.utf8.count + 1
            // Arguments are limited in total size as well as number (ARG_MAX).
            if batch.count == hashBatchSize || argumentBytes > 256 * 1024 || index == files.count - 1 {
                for (path, digest) in try runSha256sum(program, on: batch, in: root) { digests[path] = digest }
                batch.removeAll(keepingCapacity: true)
                argumentBytes = 0
            }
        }
        return digests
    }

    /// Runs `sha256sum --zero -- PATHS` in `root`. `--zero` ends each line with NUL and turns
    /// off the backslash escaping of names holding `\` or newlines, so names come back verbatim.
    static func runSha256sum(_ program: String, on paths: [String], in root: URL) throws(ToolError) -> [(String, String)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["--zero", "--"] + paths
        process.currentDirectoryURL = root
        let output = Pipe()
        process.standardOutput = output
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-sha256sum-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let data: Data
        do {
            process.standardError = try FileHandle(forWritingTo: errors)
            try process.run()
            data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
        } catch {
            throw ToolError("cannot run \(program): \(error.localizedDescription)")
        }
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw ToolError("sha256sum failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // Each line: 64 hex digits, two characters (" " and " " or "*"), the name, NUL.
        let lines = data.split(separator: 0, omittingEmptySubsequences: false).dropLast()
        guard lines.count == paths.count else {
            throw ToolError("sha256sum printed \(lines.count) digests for \(paths.count) files")
        }
        var result: [(String, String)] = []
        for (line, path) in zip(lines, paths) {
            let bytes = Array(line)
            let hex = bytes.prefix(64)
            guard bytes.count >= 66, hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
                  bytes[66...].elementsEqual(path.utf8) else {
                throw ToolError("unexpected sha256sum output for \(path)")
            }
            result.append((path, String(decoding: hex, as: UTF8.self)))
        }
        return result
    }

    /// The full path of `program` from `PATH`.
    static func locate(_ program: String) throws(ToolError) -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ToolError("\(program) is not installed", hint: "install GNU coreutils")
    }

    // MARK: Output

    /// Buffers small writes (headers, padding) into large ones.
    struct Output {
        let handle: FileHandle
        let path: String
        var buffer = Data()

        mutating func append(_ bytes: [UInt8]) throws(ToolError) {
            buffer.append(contentsOf: bytes)
            if buffer.count >= TarWriter.chunkSize { try flush() }
        }

        mutating func append(_ data: Data) throws(ToolError) {
            buffer.append(data)
            if buffer.count >= TarWriter.chunkSize { try flush() }
        }

        mutating func flush() throws(ToolError) {
            guard !buffer.isEmpty else { return }
            do {
                try handle.write(contentsOf: buffer)
            } catch {
                throw ToolError("cannot write \(path): \(error.localizedDescription)")
            }
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
