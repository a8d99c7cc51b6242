import Foundation
import Testing
import SwiftletDevices
import SwiftletRuntime
@testable import SwiftletUnix

/// `UnixBlock` on real files: geometry, round trips, what lands on disk, and every refusal.
///
/// A read-only attachment (a file that cannot be opened for writing) is tested only when the
/// tests do not run as root: root opens a mode-0444 file for writing anyway, and a read-only
/// bind mount is more machinery than the one `open` fallback deserves. `BlockExampleTests`
/// covers it as root too, by running the block example as `nobody`.
@Suite struct UnixBlockTests {
    /// A scratch folder, removed by the caller.
    func scratch() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-block-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A file of `size` zero bytes (sparse) in `directory`.
    func disk(_ directory: URL, size: UInt64, name: String = "disk.img") throws -> String {
        let path = directory.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, off_t(size)) == 0, "truncate: \(String(cString: strerror(errno)))")
        return path
    }

    /// `count` sectors of 512 bytes, each different from every other sector and from other `seed`s.
    func pattern(seed: Int, sector: UInt64, count: Int) -> [UInt8] {
        (0..<(count * 512)).map { index in
            UInt8(truncatingIfNeeded: seed &* 131 &+ Int(sector) &* 7 &+ (index / 512) &* 7 &+ index &* 3)
        }
    }

    /// The error `body` throws, or nil.
    func blockError(_ body: () async throws(BlockError) -> Void) async -> BlockError? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func geometryComesFromTheFileSize() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try disk(directory, size: 1 << 20)
        let block = try UnixBlock(path: path)
        #expect(block.info == BlockInfo(sectorSize: 512, sectorCount: 2048, isWritable: true))
        #expect(block.info.byteCount == 1 << 20)
        #expect(block.path == path)
        let large = try UnixBlock(path: path, sectorSize: 4096)
        #expect(large.info == BlockInfo(sectorSize: 4096, sectorCount: 256, isWritable: true))
        let single = try disk(directory, size: 512, name: "one.img")
        #expect(try UnixBlock(path: single).info.sectorCount == 1)
    }

    @Test func writesReadBackAtOddSectorsAndRuns() async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let block = try UnixBlock(path: try disk(directory, size: 1 << 20))
        // (first sector, sectors): single odd sectors, the last one, runs of odd lengths, and a
        // run ending exactly at the last sector.
        let writes: [(UInt64, Int)] = [(1, 1), (3, 1), (777, 1), (2047, 1), (5, 3), (1000, 17), (1500, 64), (1983, 64)]
        for (seed, (sector, count)) in writes.enumerated() {
            try await block.write(at: sector, pattern(seed: seed, sector: sector, count: count))
            var readBack = [UInt8](repeating: 0, count: count * 512)
            try await block.read(at: sector, into: &readBack)
            #expect(readBack == pattern(seed: seed, sector: sector, count: count), "sectors \(sector)..<\(sector + UInt64(count))")
        }
        // Never-written sectors read as zeros; a read spanning written and unwritten sectors sees both.
        var zeros = [UInt8](repeating: 0xFF, count: 512)
        try await block.read(at: 2, into: &zeros)
        #expect(zeros == [UInt8](repeating: 0, count: 512))
        var span = [UInt8](repeating: 0xFF, count: 3 * 512)
        try await block.read(at: 3, into: &span)
        #expect(Array(span[0..<512]) == pattern(seed: 1, sector: 3, count: 1))
        #expect(Array(span[512..<1024]) == [UInt8](repeating: 0, count: 512))
        #expect(Array(span[1024..<1536]) == Array(pattern(seed: 4, sector: 5, count: 3)[0..<512]))
        // The last write (1983..<2047) did not touch sector 2047; the one before it (1500..<1564) is whole.
        var last = [UInt8](repeating: 0, count: 512)
        try await block.read(at: 2047, into: &last)
        #expect(last == pattern(seed: 3, sector: 2047, count: 1))
        var run = [UInt8](repeating: 0, count: 64 * 512)
        try await block.read(at: 1500, into: &run)
        #expect(run == pattern(seed: 6, sector: 1500, count: 64))
    }

    @Test func overwritesReplaceOnlyTheSectorsWritten() async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let block = try UnixBlock(path: try disk(directory, size: 64 * 512))
        try await block.write(at: 10, pattern(seed: 1, sector: 10, count: 8))
        try await block.write(at: 13, pattern(seed: 2, sector: 13, count: 2))
        var readBack = [UInt8](repeating: 0, count: 8 * 512)
        try await block.read(at: 10, into: &readBack)
        var expected = pattern(seed: 1, sector: 10, count: 8)
        expected.replaceSubrange((3 * 512)..<(5 * 512), with: pattern(seed: 2, sector: 13, count: 2))
        #expect(readBack == expected)
    }

    @Test func writesAreOnTheFileAtTheirOffsetsAndSurviveReopening() async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try disk(directory, size: 256 * 512)
        do {
            let block = try UnixBlock(path: path)
            try await block.write(at: 0, pattern(seed: 1, sector: 0, count: 1))
            try await block.write(at: 99, pattern(seed: 2, sector: 99, count: 5))
            try await block.write(at: 255, pattern(seed: 3, sector: 255, count: 1))
        }  // closed here
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count == 256 * 512, "writing never changes the file's size")
        #expect(Array(bytes[0..<512]) == pattern(seed: 1, sector: 0, count: 1))
        #expect(Array(bytes[512..<(99 * 512)]).allSatisfy { $0 == 0 })
        #expect(Array(bytes[(99 * 512)..<(104 * 512)]) == pattern(seed: 2, sector: 99, count: 5))
        #expect(Array(bytes[(104 * 512)..<(255 * 512)]).allSatisfy { $0 == 0 })
        #expect(Array(bytes[(255 * 512)...]) == pattern(seed: 3, sector: 255, count: 1))

        let reopened = try UnixBlock(path: path)
        var readBack = [UInt8](repeating: 0, count: 5 * 512)
        try await reopened.read(at: 99, into: &readBack)
        #expect(readBack == pattern(seed: 2, sector: 99, count: 5))
    }

    @Test func offsetsBeyondFourGibibytesWork() async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Sparse: 8 GiB of address space, two sectors of data.
        let path = try disk(directory, size: 8 << 30)
        let block = try UnixBlock(path: path)
        #expect(block.info.sectorCount == 16 << 20)
        let last = block.info.sectorCount - 1
        let aboveFourGiB = UInt64(5 << 30) / 512
        try await block.write(at: last, pattern(seed: 1, sector: last, count: 1))
        try await block.write(at: aboveFourGiB, pattern(seed: 2, sector: aboveFourGiB, count: 1))
        let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? file.close() }
        try file.seek(toOffset: last * 512)
        #expect([UInt8](try file.read(upToCount: 512) ?? Data()) == pattern(seed: 1, sector: last, count: 1))
        try file.seek(toOffset: 5 << 30)
        #expect([UInt8](try file.read(upToCount: 512) ?? Data()) == pattern(seed: 2, sector: aboveFourGiB, count: 1))
    }

    @Test func outOfRangeMisalignedAndEmptyRequestsAreRefused() async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try disk(directory, size: 100 * 512)
        let block = try UnixBlock(path: path)
        try await block.write(at: 96, pattern(seed: 1, sector: 96, count: 4))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        func read(_ sector: UInt64, _ byteCount: Int) async -> BlockError? {
            await blockError { () async throws(BlockError) in
                var buffer = [UInt8](repeating: 0, count: byteCount)
                try await block.read(at: sector, into: &buffer)
            }
        }
        func write(_ sector: UInt64, _ byteCount: Int) async -> BlockError? {
            await blockError { () async throws(BlockError) in
                try await block.write(at: sector, [UInt8](repeating: 0xEE, count: byteCount))
            }
        }
        for operation in [read, write] {
            #expect(await operation(100, 512) == .outOfRange(sector: 100, count: 1, sectorCount: 100))
            #expect(await operation(96, 8 * 512) == .outOfRange(sector: 96, count: 8, sectorCount: 100))
            #expect(await operation(99, 2 * 512) == .outOfRange(sector: 99, count: 2, sectorCount: 100))
            #expect(await operation(.max, 512) == .outOfRange(sector: .max, count: 1, sectorCount: 100))
            #expect(await operation(0, 100) == .misaligned(byteCount: 100, sectorSize: 512))
            #expect(await operation(0, 513) == .misaligned(byteCount: 513, sectorSize: 512))
            #expect(await operation(0, 0) == .misaligned(byteCount: 0, sectorSize: 512))
            #expect(await operation(99, 512) == nil, "the last sector itself is fine")
        }
        // The refused writes changed nothing; only the allowed one (sector 99, 0xEE) did.
        var after = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(after[(99 * 512)...]) == [UInt8](repeating: 0xEE, count: 512))
        after.replaceSubrange((99 * 512)..., with: [UInt8](before)[(99 * 512)...])
        #expect(after == [UInt8](before))
    }

    @Test func fileThatIsNotWholeSectorsIsRefused() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let odd = try disk(directory, size: 1000)
        #expect(throws: BlockError.deviceFailure(
            "\(odd) is 1000 bytes, not a whole number of 512-byte sectors (make one with: truncate -s 64M \(odd))")) {
            try UnixBlock(path: odd)
        }
        let empty = try disk(directory, size: 0, name: "empty.img")
        #expect(throws: BlockError.deviceFailure(
            "\(empty) is 0 bytes, not a whole number of 512-byte sectors (make one with: truncate -s 64M \(empty))")) {
            try UnixBlock(path: empty)
        }
        // Whole 512-byte sectors, but not whole 4096-byte ones.
        let small = try disk(directory, size: 3 * 512, name: "small.img")
        #expect(throws: BlockError.self) { try UnixBlock(path: small, sectorSize: 4096) }
    }

    @Test func missingFileDirectoryAndCharacterDeviceAreRefused() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.img").path
        #expect(throws: BlockError.deviceFailure("cannot open \(missing): No such file or directory")) {
            try UnixBlock(path: missing)
        }
        #expect(throws: BlockError.deviceFailure("cannot open \(directory.path): Is a directory")) {
            try UnixBlock(path: directory.path)
        }
        #expect(throws: BlockError.deviceFailure("/dev/null is not a regular file or a block device")) {
            try UnixBlock(path: "/dev/null")
        }
    }

    @Test func fileThatCannotBeWrittenIsAttachedReadOnly() async throws {
        guard getuid() != 0 else {
            print("UnixBlockTests read-only: skipped, root may write a mode-0444 file (BlockExampleTests checks it as nobody)")
            return
        }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try disk(directory, size: 16 * 512)
        #expect(chmod(path, 0o444) == 0)
        let block = try UnixBlock(path: path)
        #expect(block.info == BlockInfo(sectorSize: 512, sectorCount: 16, isWritable: false))
        var buffer = [UInt8](repeating: 1, count: 512)
        try await block.read(at: 15, into: &buffer)
        #expect(buffer == [UInt8](repeating: 0, count: 512))
        let refusal = await blockError { () async throws(BlockError) in try await block.write(at: 0, buffer) }
        #expect(refusal == .readOnly)
    }
}
