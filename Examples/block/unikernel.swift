import SwiftletDevices
import SwiftletRuntime

/// The tutorial's block test: logs the disk's geometry, writes patterns to single sectors and
/// to runs of sectors, reads them back, overwrites some, and checks that every request the
/// device must refuse fails with the right ``BlockError``. It ends with MirageOS's totals and
/// exits 0 when every test passed, 1 otherwise.
///
/// Each sector it writes starts with a line saying which test wrote it (`block test 6 sector
/// 32767`), so `strings disk.img` shows what happened; the rest of the sector is a byte ramp
/// that differs from test to test and sector to sector.
struct BlockTest<Block: BlockDevice> {
    let block: Block

    /// The fewest sectors the tests fit in: runs of 64 sectors at the middle and at the end.
    static var minimumSectorCount: UInt64 { 260 }

    func start() async -> Int32 {
        let info = block.info
        log.info("sectors = \(info.sectorCount), sector_size = \(info.sectorSize), read_write = \(info.isWritable)")
        guard info.sectorSize > 0, info.sectorCount >= Self.minimumSectorCount else {
            log.error("the disk is too small for the test: it needs at least \(Self.minimumSectorCount) sectors"
                      + " (make one with: truncate -s 16M disk.img)")
            return 1
        }
        var tally = Tally()
        await runTests(&tally)
        log.info("Test sequence finished")
        if tally.skipped > 0 {
            log.info("\(tally.skipped) write tests skipped: the device is read-only")
        }
        log.info("Total tests started: \(tally.started)")
        log.info("Total tests passed: \(tally.passed)")
        if tally.failed > 0 {
            log.error("Total tests failed: \(tally.failed)")
        } else {
            log.info("Total tests failed: 0")
        }
        return tally.failed == 0 ? 0 : 1
    }

    /// The numbered tests, in order; later ones read what earlier ones wrote. On a read-only
    /// device the tests that write are logged as skipped, and a write must be refused.
    private func runTests(_ tally: inout Tally) async {
        let count = block.info.sectorCount
        let middle = count / 2
        let size = block.info.sectorSize

        // Single sectors: the first, one in the middle, and (after the run that ends there) the last.
        await writing(&tally, "write and read back sector 0") { await roundTrip(test: 1, at: 0, sectors: 1) }
        await writing(&tally, "write and read back the middle sector \(middle)") { await roundTrip(test: 2, at: middle, sectors: 1) }
        // Runs of sectors: 8 near the start, 64 after the middle, 64 ending exactly at the last sector.
        await writing(&tally, "write and read back 8 sectors at 1") { await roundTrip(test: 3, at: 1, sectors: 8) }
        await writing(&tally, "write and read back 64 sectors at \(middle + 1)") { await roundTrip(test: 4, at: middle + 1, sectors: 64) }
        await writing(&tally, "write and read back the 64 sectors that end at the last one (\(count - 64)..<\(count))") {
            await roundTrip(test: 5, at: count - 64, sectors: 64)
        }
        await writing(&tally, "write and read back the last sector \(count - 1)") { await roundTrip(test: 6, at: count - 1, sectors: 1) }
        // Overwrites replace what was there, and only where asked.
        await writing(&tally, "writing the last sector left the 63 before it alone") {
            await expectContents(at: count - 64, sectors: 63, writtenBy: 5)
        }
        await writing(&tally, "overwrite sector 0 and read the new pattern") { await roundTrip(test: 8, at: 0, sectors: 1) }
        await writing(&tally, "overwrite sector 4 inside the 8-sector run and re-read the run") { await overwriteInsideRun() }

        // Requests every device must refuse.
        tally.record("reading the sector after the last fails",
                     await expectReadRefused(at: count, sectors: 1, .outOfRange(sector: count, count: 1, sectorCount: count)))
        tally.record("reading 8 sectors that start inside and end outside fails",
                     await expectReadRefused(at: count - 4, sectors: 8, .outOfRange(sector: count - 4, count: 8, sectorCount: count)))
        tally.record("reading sector 2^64-1 fails",
                     await expectReadRefused(at: UInt64.max, sectors: 1, .outOfRange(sector: UInt64.max, count: 1, sectorCount: count)))
        tally.record("reading 100 bytes (not a whole sector) fails",
                     await expectReadRefused(at: 0, byteCount: 100, .misaligned(byteCount: 100, sectorSize: size)))
        tally.record("reading into an empty buffer fails",
                     await expectReadRefused(at: 0, byteCount: 0, .misaligned(byteCount: 0, sectorSize: size)))
        await writing(&tally, "writing the sector after the last fails") {
            await expectWriteRefused(at: count, sectors: 1, .outOfRange(sector: count, count: 1, sectorCount: count))
        }
        await writing(&tally, "writing 8 sectors that start inside and end outside fails and changes nothing") {
            await expectStraddlingWriteRefused()
        }
        await writing(&tally, "writing a sector and one byte fails") {
            await expectWriteRefused(at: 0, byteCount: size + 1, .misaligned(byteCount: size + 1, sectorSize: size))
        }
        await writing(&tally, "writing an empty buffer fails") {
            await expectWriteRefused(at: 0, byteCount: 0, .misaligned(byteCount: 0, sectorSize: size))
        }
        await writing(&tally, "the refused writes left sector 0 as test 8 wrote it") { await expectContents(at: 0, sectors: 1, writtenBy: 8) }
        if !block.info.isWritable {
            tally.record("writing to the read-only device fails", await expectWriteRefused(at: 0, sectors: 1, .readOnly))
        }
    }

    /// Runs a test that writes, or records it as skipped on a read-only device.
    private func writing(_ tally: inout Tally, _ title: String, _ test: () async -> Outcome) async {
        if block.info.isWritable {
            tally.record(title, await test())
        } else {
            tally.record(title, .skipped)
        }
    }

    // MARK: - The tests

    /// Writes test `test`'s pattern to `sectors` sectors at `sector` in one request and reads them back.
    private func roundTrip(test: Int, at sector: UInt64, sectors: Int) async -> Outcome {
        let bytes = Self.pattern(test: test, at: sector, sectors: sectors, sectorSize: block.info.sectorSize)
        do {
            try await block.write(at: sector, bytes)
        } catch {
            return .failed("the write failed: \(error)")
        }
        return await expectContents(at: sector, sectors: sectors, writtenBy: test)
    }

    /// Reads `sectors` sectors at `sector` and compares them with test `test`'s pattern.
    private func expectContents(at sector: UInt64, sectors: Int, writtenBy test: Int) async -> Outcome {
        var readBack = [UInt8](repeating: 0, count: sectors * block.info.sectorSize)
        do {
            try await block.read(at: sector, into: &readBack)
        } catch {
            return .failed("the read failed: \(error)")
        }
        let expected = Self.pattern(test: test, at: sector, sectors: sectors, sectorSize: block.info.sectorSize)
        if let first = Self.firstDifference(readBack, expected) {
            return .failed("byte \(first) read back differs from what test \(test) wrote")
        }
        return .passed
    }

    /// Sector 4 gets test 9's pattern; sectors 1...8 must then read as test 3 wrote them, but 4.
    private func overwriteInsideRun() async -> Outcome {
        let size = block.info.sectorSize
        do {
            try await block.write(at: 4, Self.pattern(test: 9, at: 4, sectors: 1, sectorSize: size))
        } catch {
            return .failed("the write failed: \(error)")
        }
        var readBack = [UInt8](repeating: 0, count: 8 * size)
        do {
            try await block.read(at: 1, into: &readBack)
        } catch {
            return .failed("the read failed: \(error)")
        }
        var expected = Self.pattern(test: 3, at: 1, sectors: 8, sectorSize: size)
        let replaced = Self.pattern(test: 9, at: 4, sectors: 1, sectorSize: size)
        for index in 0..<size { expected[3 * size + index] = replaced[index] }
        if let first = Self.firstDifference(readBack, expected) {
            return .failed("byte \(first) of the run differs (sector \(1 + first / size))")
        }
        return .passed
    }

    /// A write of 8 sectors at `count - 4` must fail and leave the last 4 sectors unchanged.
    private func expectStraddlingWriteRefused() async -> Outcome {
        let count = block.info.sectorCount
        let refusal = await expectWriteRefused(at: count - 4, sectors: 8, .outOfRange(sector: count - 4, count: 8, sectorCount: count))
        if case .failed = refusal { return refusal }
        // Sectors count-64..<count-1 hold test 5's pattern, the last one test 6's.
        let before = await expectContents(at: count - 4, sectors: 3, writtenBy: 5)
        if case .failed = before { return before }
        let last = await expectContents(at: count - 1, sectors: 1, writtenBy: 6)
        if case .failed = last { return last }
        return refusal
    }

    private func expectReadRefused(at sector: UInt64, sectors: Int, _ expected: BlockError) async -> Outcome {
        await expectReadRefused(at: sector, byteCount: sectors * block.info.sectorSize, expected)
    }

    private func expectReadRefused(at sector: UInt64, byteCount: Int, _ expected: BlockError) async -> Outcome {
        var buffer = [UInt8](repeating: 0, count: byteCount)
        do {
            try await block.read(at: sector, into: &buffer)
            return .failed("it succeeded")
        } catch {
            return Self.judge(error, expected)
        }
    }

    private func expectWriteRefused(at sector: UInt64, sectors: Int, _ expected: BlockError) async -> Outcome {
        await expectWriteRefused(at: sector, byteCount: sectors * block.info.sectorSize, expected)
    }

    private func expectWriteRefused(at sector: UInt64, byteCount: Int, _ expected: BlockError) async -> Outcome {
        let bytes = [UInt8](repeating: 0xEE, count: byteCount)
        do {
            try await block.write(at: sector, bytes)
            return .failed("it succeeded")
        } catch {
            return Self.judge(error, expected)
        }
    }

    // MARK: - Helpers

    /// Passed, naming the error, when it is the one expected.
    private static func judge(_ error: BlockError, _ expected: BlockError) -> Outcome {
        error == expected ? .passedRefusing(error) : .failed("it failed with \"\(error)\", not \"\(expected)\"")
    }

    /// What test `test` writes to `sectors` sectors from `sector`: each sector starts with
    /// `block test T sector S` and a newline, then counts up from a value of its own.
    static func pattern(test: Int, at sector: UInt64, sectors: Int, sectorSize: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sectors * sectorSize)
        for index in 0..<sectors {
            let number = sector &+ UInt64(index)
            let label = Array("block test \(test) sector \(number)\n".utf8)
            let seed = test &* 37 &+ Int(truncatingIfNeeded: number) &* 13
            for offset in 0..<sectorSize {
                bytes.append(offset < label.count ? label[offset] : UInt8(truncatingIfNeeded: seed &+ offset))
            }
        }
        return bytes
    }

    private static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
        if a.count != b.count { return min(a.count, b.count) }
        for index in 0..<a.count where a[index] != b[index] { return index }
        return nil
    }
}

/// The log source of this example: `-l block:debug` and the `[block]` in each line.
private let log = Logger(source: "block")

/// How one test ended.
enum Outcome {
    case passed
    /// Passed: the device refused the request with the expected error.
    case passedRefusing(BlockError)
    case failed(String)
    /// Not run: it writes, and the device is read-only.
    case skipped
}

/// Numbers the tests, logs each outcome, and counts them as MirageOS's block test does.
struct Tally {
    var started = 0, passed = 0, failed = 0, skipped = 0
    private var number = 0

    mutating func record(_ title: String, _ outcome: Outcome) {
        number += 1
        switch outcome {
        case .passed:
            started += 1; passed += 1
            log.info("test \(number): \(title): passed")
        case .passedRefusing(let error):
            started += 1; passed += 1
            log.info("test \(number): \(title): passed (\(error))")
        case .failed(let why):
            started += 1; failed += 1
            log.error("test \(number): \(title): FAILED: \(why)")
        case .skipped:
            skipped += 1
            log.info("test \(number): \(title): skipped (the device is read-only)")
        }
    }
}
