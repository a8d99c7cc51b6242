import Foundation
import SwiftletDevices
import SwiftletStorage

/// Host tools and test devices for the FAT store's tests.
enum FATHostTools {
    /// mkfs.fat, mcopy, mmd (and fsck.fat), which the tests build reference images with.
    static let missing: [String] = ["mkfs.fat", "mcopy", "mmd", "fsck.fat", "sha256sum"].filter { path(of: $0) == nil }
    static var available: Bool {
        if !missing.isEmpty { print("FAT tests skipped: \(missing.joined(separator: ", ")) not installed (apt packages mtools, dosfstools)") }
        return missing.isEmpty
    }

    static func path(of tool: String) -> String? {
        for folder in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"] {
            let candidate = folder + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tool` with mtools' image check off and a UTF-8 locale (so mtools keeps non-ASCII names).
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(of: tool) ?? tool)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MTOOLS_SKIP_CHECK"] = "1"
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        // Standard error goes to a file so that only one pipe needs draining while the tool runs.
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-fat-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `tool` and throws if it fails.
    static func check(_ tool: String, _ arguments: [String]) throws {
        let output = try run(tool, arguments)
        guard output.status == 0 else {
            throw FATTestError("\(tool) \(arguments.joined(separator: " ")) failed (\(output.status)): \(output.stderr)")
        }
    }

    /// A scratch folder, removed by the caller.
    static func scratch(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-fat-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct FATTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// SplitMix64, so that random trees and corruptions repeat from a seed.
struct FATSeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { buffer in
            var index = 0
            while index < count {
                var word = next()
                let step = min(8, count - index)
                withUnsafeBytes(of: &word) { buffer.baseAddress!.advanced(by: index).copyMemory(from: $0.baseAddress!, byteCount: step) }
                index += step
            }
        }
        return result
    }
}

/// A read-only disk backed by a host file, read with pread: for images too large to hold in memory.
struct FATFileBlock: BlockDevice {
    final class Handle {
        let descriptor: Int32
        init(_ descriptor: Int32) { self.descriptor = descriptor }
        deinit { close(descriptor) }
    }

    let handle: Handle
    let info: BlockInfo

    init(_ url: URL, sectorSize: Int = 512) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw FATTestError("cannot open \(url.path)") }
        handle = Handle(descriptor)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        info = BlockInfo(sectorSize: sectorSize, sectorCount: UInt64(size / sectorSize), isWritable: false)
    }

    func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        try info.validate(sector: sector, byteCount: buffer.count)
        let offset = off_t(sector) * off_t(info.sectorSize)
        let count = buffer.count
        let done = buffer.withUnsafeMutableBytes { pread(handle.descriptor, $0.baseAddress, count, offset) }
        guard done == count else { throw .deviceFailure("short read") }
    }

    func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) { throw .readOnly }
}

/// Counts the reads that reach a device.
struct FATCountingBlock<Inner: BlockDevice>: BlockDevice {
    final class Counter { var reads = 0; var bytes = 0 }
    let inner: Inner
    let counter = Counter()
    var info: BlockInfo { inner.info }

    func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        counter.reads += 1
        counter.bytes += buffer.count
        try await inner.read(at: sector, into: &buffer)
    }

    func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) { throw .readOnly }
}

/// An image with some bytes changed and possibly cut short, without copying the image.
struct FATPatchedBlock: BlockDevice {
    final class Base { let bytes: [UInt8]; init(_ bytes: [UInt8]) { self.bytes = bytes } }
    let base: Base
    let patches: [Int: UInt8]
    let info: BlockInfo

    init(base: Base, patches: [Int: UInt8], byteCount: Int) {
        self.base = base
        self.patches = patches
        info = BlockInfo(sectorSize: 512, sectorCount: UInt64(min(byteCount, base.bytes.count) / 512), isWritable: false)
    }

    func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        try info.validate(sector: sector, byteCount: buffer.count)
        let start = Int(sector) * 512
        let count = buffer.count
        buffer.withUnsafeMutableBytes { target in
            base.bytes.withUnsafeBytes { source in
                target.baseAddress!.copyMemory(from: source.baseAddress! + start, byteCount: count)
            }
        }
        for (offset, byte) in patches where offset >= start && offset < start + buffer.count {
            buffer[offset - start] = byte
        }
    }

    func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) { throw .readOnly }
}

/// The test tree: what the images hold, and how to compare a store with it.
enum FATTestTree {
    /// Makes nested folders, an empty file, names with spaces and UTF-8, a long name, 8.3 names in
    /// either case, a folder with enough names to span clusters and a file of `bigSize` bytes.
    static func make(at root: URL, bigSize: Int, seed: UInt64) throws {
        var random = FATSeededGenerator(seed: seed)
        let fm = FileManager.default
        func file(_ path: String, _ bytes: [UInt8]) throws {
            let url = root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        try file("empty", [])
        try file("UPPER.TXT", Array("upper\n".utf8))
        try file("index.htm", Array("<p>lower 8.3</p>\n".utf8))
        try file("with spaces/a file name.txt", Array("spaces\n".utf8))
        try file("café/naïve ☃.txt", Array("unicode\n".utf8))
        try file("a/b/c/deep.txt", Array("deep\n".utf8))
        try fm.createDirectory(at: root.appendingPathComponent("a/empty folder"), withIntermediateDirectories: true)
        try file("long/" + String(repeating: "long name ", count: 12) + "end.txt", Array("long\n".utf8))
        for index in 0..<40 {
            try file("many/file number \(index).dat", random.bytes(index * 37))
        }
        try file("big/data.bin", random.bytes(bigSize))
        try file("big/odd size.bin", random.bytes(10_007))
    }

    /// Copies the tree's contents into the root of `image` with mcopy.
    static func copy(_ root: URL, into image: URL) throws {
        let items = try FileManager.default.contentsOfDirectory(atPath: root.path).map { root.appendingPathComponent($0).path }
        try FATHostTools.check("mcopy", ["-s", "-i", image.path] + items + ["::/"])
    }
}
