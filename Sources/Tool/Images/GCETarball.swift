import Foundation

/// The image Google Compute Engine imports (`gcloud compute images create --source-uri
/// gs://BUCKET/NAME.tar.gz`): a gzipped tar holding one file, `disk.raw`, the raw disk, whose
/// size is a whole number of GiB. Google's instructions make it with
/// `tar --format=oldgnu -Sczf NAME.tar.gz disk.raw`; this writes the same archive: one old-GNU
/// sparse entry (type `S`) whose map says the disk's bytes come first and zeros fill the rest
/// up to the GiB, so the archive stays as small as the disk while `disk.raw` is 1 GiB or more.
enum GCETarball {
    static let gibibyte: UInt64 = 1 << 30

    /// Writes `output` (NAME.tar.gz) from the raw disk at `disk`; `work` holds the tar before
    /// gzip compresses it.
    static func write(disk: URL, work: URL, to output: URL) throws(ToolError) {
        let diskSize: UInt64
        do {
            diskSize = (try FileManager.default.attributesOfItem(atPath: disk.path)[.size] as? NSNumber)?.uint64Value ?? 0
        } catch {
            throw ToolError("cannot read \(disk.path): \(error.localizedDescription)")
        }
        let realSize = paddedSize(diskSize)
        let tar = work.appendingPathComponent("disk.tar")
        try writeTar(disk: disk, diskSize: diskSize, realSize: realSize, mtime: TarWriter.modificationTime(Date()), to: tar)
        try gzip(tar, to: output)
        try? FileManager.default.removeItem(at: tar)
    }

    /// The sparse map: the disk's bytes, then (as GNU tar writes for a file ending in a hole)
    /// an empty region at the end, which tells extractors the file's full size.
    static func sparseMap(diskSize: UInt64, realSize: UInt64) -> [SparseRegion] {
        let data = SparseRegion(offset: 0, count: diskSize)
        return diskSize == realSize ? [data] : [data, SparseRegion(offset: realSize, count: 0)]
    }

    /// Where a stored run of bytes goes in the extracted file.
    struct SparseRegion: Equatable {
        var offset: UInt64
        var count: UInt64
    }

    /// The tar: one header, the disk's bytes padded to a 512-byte block, two zero blocks.
    static func writeTar(disk: URL, diskSize: UInt64, realSize: UInt64, mtime: UInt64, to tar: URL) throws(ToolError) {
        guard FileManager.default.createFile(atPath: tar.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: tar) else {
            throw ToolError("cannot create \(tar.path)")
        }
        defer { try? handle.close() }
        var output = TarWriter.Output(handle: handle, path: tar.path)
        try output.append(header(name: "disk.raw", storedSize: diskSize, realSize: realSize, mtime: mtime,
                                 map: sparseMap(diskSize: diskSize, realSize: realSize)))
        let input: FileHandle
        do { input = try FileHandle(forReadingFrom: disk) } catch {
            throw ToolError("cannot read \(disk.path): \(error.localizedDescription)")
        }
        defer { try? input.close() }
        var copied: UInt64 = 0
        while copied < diskSize {
            let chunk: Data
            do { chunk = try input.read(upToCount: TarWriter.chunkSize) ?? Data() } catch {
                throw ToolError("cannot read \(disk.path): \(error.localizedDescription)")
            }
            guard !chunk.isEmpty else { throw ToolError("\(disk.path) got shorter while the archive was written") }
            copied += UInt64(chunk.count)
            try output.append(chunk)
        }
        try output.append(TarWriter.padding(for: diskSize))
        try output.append([UInt8](repeating: 0, count: 2 * TarWriter.blockSize))
        try output.flush()
    }

    /// An old-GNU header: ustar's fields with the `ustar  ` magic, then, where ustar has its
    /// prefix, the GNU fields: up to four sparse regions (offset 386), the "more regions"
    /// flag (482) and the file's real size (483). The size field counts the stored bytes.
    static func header(name: String, storedSize: UInt64, realSize: UInt64, mtime: UInt64,
                       map: [SparseRegion]) -> [UInt8] {
        precondition(map.count <= 4, "old-GNU headers hold four sparse regions")
        var block = [UInt8](repeating: 0, count: TarWriter.blockSize)
        func put(_ bytes: [UInt8], at offset: Int) { block.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
        put(Array(name.utf8), at: 0)
        put(TarWriter.octal(0o644, width: 8), at: 100)
        put(TarWriter.octal(0, width: 8), at: 108)
        put(TarWriter.octal(0, width: 8), at: 116)
        put(TarWriter.octal(storedSize, width: 12), at: 124)
        put(TarWriter.octal(mtime, width: 12), at: 136)
        block[156] = UInt8(ascii: "S")
        put(Array("ustar  ".utf8) + [0], at: 257)
        put(Array("root".utf8), at: 265)
        put(Array("root".utf8), at: 297)
        for (index, region) in map.enumerated() {
            put(TarWriter.octal(region.offset, width: 12), at: 386 + 24 * index)
            put(TarWriter.octal(region.count, width: 12), at: 386 + 24 * index + 12)
        }
        block[482] = 0
        put(TarWriter.octal(realSize, width: 12), at: 483)
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
        let sum = block.reduce(UInt64(0)) { $0 + UInt64($1) }
        put(TarWriter.octal(sum, width: 7), at: 148)
        block[155] = UInt8(ascii: " ")
        return block
    }

    /// Compresses with the host's gzip (`-n`: no name or time stamp inside).
    static func gzip(_ tar: URL, to output: URL) throws(ToolError) {
        guard let gzip = Shell.which("gzip") else {
            throw ToolError("gzip is not installed", hint: "apt-get install gzip")
        }
        let partial = URL(fileURLWithPath: output.path + ".partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: partial) else {
            throw ToolError("cannot create \(partial.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzip)
        process.arguments = ["-n", "-6", "-c", tar.path]
        process.standardOutput = handle
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch {
            try? handle.close()
            throw ToolError("cannot run \(gzip): \(error.localizedDescription)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try? handle.close()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: partial)
            throw ToolError("gzip failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try replace(output, with: partial)
    }
}
