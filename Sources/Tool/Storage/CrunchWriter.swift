import Foundation

/// Writes a folder as a crunch image (the format is described in
/// `Sources/Storage/Crunch/CrunchImage.swift`, whose reader is the unikernel's `CrunchStore`).
///
/// Built for thousands of files and tens of megabytes from a debug build of the tool: the
/// SHA-256s come from `sha256sum` processes (a batch of files each, several at once), and the
/// data is copied in large chunks, never held whole.
enum CrunchWriter {
    static let magic = Array("SWCRUNCH".utf8)
    static let version: UInt32 = 1
    static let headerSize = 48
    static let entrySize = 64
    static let valueAlignment: UInt64 = 16

    /// Writes `tree` into a new crunch image at `image`.
    static func write(_ tree: DirectoryTree, to image: URL) throws(ToolError) {
        let entries = tree.entries
        let count = entries.count + 1  // entry 0 is the root
        guard count < Int(UInt32.max) else { throw ToolError("\(tree.root.path) has too many entries for a crunch image") }

        // Each folder's run of descendants ends where the first entry outside it starts.
        var ends = [Int](repeating: 0, count: count)
        var open: [(index: Int, depth: Int)] = [(0, 0)]
        for (offset, entry) in entries.enumerated() {
            let index = offset + 1
            while let last = open.last, last.depth >= entry.path.count { ends[last.index] = index; open.removeLast() }
            if entry.isDirectory { open.append((index, entry.path.count)) } else { ends[index] = index + 1 }
        }
        for folder in open { ends[folder.index] = count }

        var names: [UInt8] = []
        var nameRanges: [(offset: Int, length: Int)] = [(0, 0)]
        for entry in entries {
            let bytes = Array(entry.relativePath.utf8)
            nameRanges.append((names.count, bytes.count))
            names += bytes
        }
        var valueOffsets = [UInt64](repeating: 0, count: count)
        var dataSize: UInt64 = 0
        for (offset, entry) in entries.enumerated() where !entry.isDirectory {
            dataSize = (dataSize + valueAlignment - 1) / valueAlignment * valueAlignment
            valueOffsets[offset + 1] = dataSize
            dataSize += entry.size
        }
        let digests = try sha256(of: entries.filter { !$0.isDirectory }.map(\.url))

        let namesOffset = UInt64(headerSize + count * entrySize)
        let dataOffset = (namesOffset + UInt64(names.count) + valueAlignment - 1) / valueAlignment * valueAlignment
        var head = Data(magic)
        head.appendLittleEndian(version)
        head.appendLittleEndian(UInt32(count))
        head.appendLittleEndian(namesOffset)
        head.appendLittleEndian(UInt64(names.count))
        head.appendLittleEndian(dataOffset)
        head.appendLittleEndian(dataSize)
        var fileNumber = 0
        for index in 0..<count {
            let entry = index == 0 ? nil : entries[index - 1]
            let isDirectory = entry?.isDirectory ?? true
            head.appendLittleEndian(UInt32(nameRanges[index].offset))
            head.appendLittleEndian(UInt32(nameRanges[index].length))
            head.appendLittleEndian(UInt32(isDirectory ? 1 : 0))
            head.appendLittleEndian(UInt32(ends[index]))
            head.appendLittleEndian(valueOffsets[index])
            head.appendLittleEndian(entry?.size ?? 0)
            if isDirectory {
                head.append(Data(count: 32))
            } else {
                head.append(Data(digests[fileNumber]))
                fileNumber += 1
            }
        }
        head.append(contentsOf: names)
        head.append(Data(count: Int(dataOffset) - head.count))

        let partial = image.appendingPathExtension("partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let output = try? FileHandle(forWritingTo: partial) else {
            throw ToolError("cannot write \(partial.path)")
        }
        do {
            defer { try? output.close() }
            try output.write(contentsOf: head)
            var written: UInt64 = 0
            for (offset, entry) in entries.enumerated() where !entry.isDirectory {
                let start = valueOffsets[offset + 1]
                if start > written { try output.write(contentsOf: Data(count: Int(start - written))) }
                written = start + (try copy(entry, into: output))
            }
        } catch let error as ToolError {
            throw error
        } catch {
            throw ToolError("cannot write \(partial.path): \(error.localizedDescription)")
        }
        try replace(image, with: partial)
    }

    /// Appends the file's bytes to `output` in large chunks; checks it still has its scanned size.
    private static func copy(_ entry: DirectoryTree.Entry, into output: FileHandle) throws -> UInt64 {
        guard let input = try? FileHandle(forReadingFrom: entry.url) else { throw ToolError("cannot read \(entry.url.path)") }
        defer { try? input.close() }
        var copied: UInt64 = 0
        while let chunk = try input.read(upToCount: 8 << 20), !chunk.isEmpty {
            try output.write(contentsOf: chunk)
            copied += UInt64(chunk.count)
        }
        guard copied == entry.size else {
            throw ToolError("\(entry.url.path) changed while it was being baked in (\(entry.size) bytes, then \(copied))",
                            hint: "run swiftlet build again")
        }
        return copied
    }

    /// The SHA-256 of each file, from `sha256sum` run on batches of files in parallel.
    static func sha256(of files: [URL]) throws(ToolError) -> [[UInt8]] {
        guard !files.isEmpty else { return [] }
        guard let program = Shell.which("sha256sum") else {
            throw ToolError("sha256sum is needed to bake a folder into a unikernel", hint: "install coreutils")
        }
        let batchSize = 200
        let batches = stride(from: 0, to: files.count, by: batchSize).map { $0..<min($0 + batchSize, files.count) }
        let results = Results(count: files.count)
        DispatchQueue.concurrentPerform(iterations: batches.count) { number in
            let batch = batches[number]
            do throws(ToolError) {
                // --zero: records end with NUL and names are not escaped.
                let output = try Shell.capture(program, ["--zero", "--"] + files[batch].map(\.path))
                guard output.status == 0 else { throw ToolError("sha256sum failed: \(output.text)") }
                let records = output.text.split(separator: "\0", omittingEmptySubsequences: true)
                guard records.count == batch.count else { throw ToolError("sha256sum printed \(records.count) sums for \(batch.count) files") }
                for (index, record) in zip(batch, records) {
                    guard let digest = bytes(fromHex: record.prefix(64)) else { throw ToolError("sha256sum printed '\(record)'") }
                    results.set(index, digest)
                }
            } catch {
                results.fail(error)
            }
        }
        return try results.get()
    }

    private static func bytes(fromHex text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for pair in stride(from: 0, to: 64, by: 2) {
            guard let high = hexValue(digits[pair]), let low = hexValue(digits[pair + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// The digests as the parallel batches deliver them.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var digests: [[UInt8]]
        private var failure: ToolError?

        init(count: Int) { digests = Array(repeating: [], count: count) }

        func set(_ index: Int, _ digest: [UInt8]) { lock.withLock { digests[index] = digest } }
        func fail(_ error: ToolError) { lock.withLock { failure = failure ?? error } }
        func get() throws(ToolError) -> [[UInt8]] {
            if let failure { throw failure }
            return digests
        }
    }
}

extension Data {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
