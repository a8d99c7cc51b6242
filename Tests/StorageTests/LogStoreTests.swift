import Foundation
import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletStorage

/// The writable log store: behaviour, persistence, compaction, crash safety against a model,
/// robustness against damaged disks, and a few measurements.
@Suite struct LogStoreTests {
    // MARK: Behaviour

    @Test func setGetSizeListExistsAndDigest() async throws {
        let store = try await LogStore.open(MemoryBlock(sectorCount: 2048))
        let big = pattern(5000, seed: 1)
        try await store.set(key("/a"), bytes("hello"))
        try await store.set(key("/dir/b"), big)
        try await store.set(key("/dir/sub/c"), [])
        try await store.set(key("/with space/é ü"), bytes("utf8"))

        #expect(try await store.get(key("/a")) == bytes("hello"))
        #expect(try await store.get(key("/dir/b")) == big)
        #expect(try await store.get(key("/dir/sub/c")) == [])
        #expect(try await store.get(key("/with space/é ü")) == bytes("utf8"))
        #expect(try await store.size(key("/dir/b")) == 5000)
        #expect(try await store.size(key("/dir/sub/c")) == 0)

        #expect(try await store.exists(.root) == .dictionary)
        #expect(try await store.exists(key("/dir")) == .dictionary)
        #expect(try await store.exists(key("/dir/b")) == .value)
        #expect(try await store.exists(key("/nothing")) == nil)
        #expect(try await store.exists(key("/a/below")) == nil)

        let root = try await store.list(.root)
        #expect(root.map(\.name) == ["a", "dir", "with space"])
        #expect(root.map(\.kind) == [.value, .dictionary, .dictionary])
        let dir = try await store.list(key("/dir"))
        #expect(dir.map(\.name) == ["b", "sub"])
        #expect(dir.map(\.kind) == [.value, .dictionary])

        // Ranges: inside, clipped at the end, empty at the end, and the errors.
        #expect(try await store.get(key("/dir/b"), offset: 700, length: 1000) == Array(big[700..<1700]))
        #expect(try await store.get(key("/dir/b"), offset: 4990, length: 100) == Array(big[4990...]))
        #expect(try await store.get(key("/dir/b"), offset: 5000, length: 10) == [])
        #expect(try await store.get(key("/dir/b"), offset: 3, length: 0) == [])
        await expectError(.outOfRange(key("/dir/b"))) { _ = try await store.get(key("/dir/b"), offset: -1, length: 1) }
        await expectError(.outOfRange(key("/dir/b"))) { _ = try await store.get(key("/dir/b"), offset: 5001, length: 1) }
        await expectError(.outOfRange(key("/dir/b"))) { _ = try await store.get(key("/dir/b"), offset: 0, length: -1) }

        #expect(try await store.digest(key("/dir/b")) == SHA256.hash(big).hex)
        #expect(try await store.digest(key("/dir/b")) == SHA256.hash(big).hex, "cached")
        #expect(try await store.digest(key("/dir/sub/c")) == SHA256.hash([]).hex)
        try await store.set(key("/dir/b"), bytes("changed"))
        #expect(try await store.digest(key("/dir/b")) == SHA256.hash(bytes("changed")).hex, "a new value has a new digest")
    }

    @Test func errorsOfEveryKind() async throws {
        let store = try await LogStore.open(MemoryBlock(sectorCount: 512))
        try await store.set(key("/a"), bytes("value"))
        try await store.set(key("/dir/x"), bytes("x"))

        await expectError(.wrongKind(.root)) { try await store.set(.root, []) }
        await expectError(.wrongKind(key("/a"))) { try await store.set(key("/a/below"), []) }
        await expectError(.wrongKind(key("/a"))) { try await store.set(key("/a/b/c"), []) }
        await expectError(.wrongKind(key("/dir"))) { try await store.set(key("/dir"), []) }
        await expectError(.wrongKind(key("/dir"))) { _ = try await store.get(key("/dir")) }
        await expectError(.wrongKind(key("/dir"))) { _ = try await store.size(key("/dir")) }
        await expectError(.wrongKind(key("/dir"))) { _ = try await store.digest(key("/dir")) }
        await expectError(.wrongKind(key("/a"))) { _ = try await store.list(key("/a")) }
        await expectError(.notFound(key("/missing"))) { _ = try await store.get(key("/missing")) }
        await expectError(.notFound(key("/missing"))) { _ = try await store.list(key("/missing")) }
        await expectError(.notFound(key("/missing"))) { try await store.remove(key("/missing")) }
        await expectError(.notFound(key("/a/below"))) { try await store.remove(key("/a/below")) }
        await expectError(.notFound(key("/missing"))) { try await store.rename(key("/missing"), to: key("/b")) }
        await expectError(.wrongKind(key("/dir"))) { try await store.rename(key("/a"), to: key("/dir")) }
        await expectError(.wrongKind(.root)) { try await store.rename(key("/a"), to: .root) }
        await expectError(.wrongKind(key("/a"))) { try await store.rename(key("/dir"), to: key("/a/inside")) }
        await expectError(.invalidKey("/dir/x/deeper lies inside /dir")) { try await store.rename(key("/dir"), to: key("/dir/x/deeper")) }

        let long = try KVKey(segments: [String(repeating: "k", count: 1024)])
        await expectError(.invalidKey("a key of 1025 bytes; a LogStore key has at most 1024")) { try await store.set(long, []) }
        let longest = try KVKey(segments: [String(repeating: "k", count: 1023)])
        try await store.set(longest, bytes("fits"))
        #expect(try await store.get(longest) == bytes("fits"))
        // A move that would push keys under a dictionary past the limit is refused up front.
        try await store.set(key("/deep/" + String(repeating: "d", count: 1000)), [])
        await expectError(.invalidKey("moving /deep to /\(String(repeating: "m", count: 30)) would make keys longer than 1024 bytes")) {
            try await store.rename(key("/deep"), to: key("/" + String(repeating: "m", count: 30)))
        }

        do {
            try await store.set(key("/huge"), [UInt8](repeating: 1, count: 16 * 1024 * 1024 + 1))
            Issue.record("a value over 16 MiB was accepted")
        } catch {
            guard case .storageFailure(let text) = error else { Issue.record("unexpected \(error)"); return }
            #expect(text.contains("at most 16 MiB"))
        }
        // The failed calls changed nothing.
        #expect(try await contents(of: store).keys.sorted { $0.description < $1.description }.map(\.description)
            == ["/a", "/deep/" + String(repeating: "d", count: 1000), "/dir/x", longest.description])
    }

    @Test func removeValuesDictionariesAndEverything() async throws {
        let disk = MemoryBlock(sectorCount: 512)
        let store = try await LogStore.open(disk)
        for path in ["/a/b/c", "/a/b/d", "/a/e", "/f"] { try await store.set(key(path), bytes(path)) }
        try await store.remove(key("/a/b/c"))
        #expect(try await store.list(key("/a/b")).map(\.name) == ["d"])
        try await store.remove(key("/a/b/d"))
        #expect(try await store.exists(key("/a/b")) == nil, "an emptied dictionary disappears")
        #expect(try await store.list(key("/a")).map(\.name) == ["e"])
        try await store.set(key("/a/b/g"), bytes("g"))
        try await store.remove(key("/a"))
        #expect(try await store.exists(key("/a")) == nil)
        #expect(try await store.exists(key("/a/b/g")) == nil)
        #expect(try await store.list(.root).map(\.name) == ["f"])
        try await store.remove(.root)
        #expect(try await store.list(.root).isEmpty)
        #expect(try await store.exists(.root) == .dictionary)
        try await store.set(key("/again"), bytes("1"))
        #expect(try await contents(of: LogStore.open(disk)) == [key("/again"): bytes("1")])
    }

    @Test func renameValuesAndDictionaries() async throws {
        let disk = MemoryBlock(sectorCount: 512)
        let store = try await LogStore.open(disk)
        try await store.set(key("/v"), bytes("v"))
        try await store.set(key("/w"), bytes("w"))
        try await store.set(key("/d/x"), bytes("x"))
        try await store.set(key("/d/s/y"), bytes("y"))
        try await store.set(key("/only/one"), bytes("1"))

        try await store.rename(key("/v"), to: key("/w"))          // replaces a value
        try await store.rename(key("/d"), to: key("/e/moved"))    // a whole dictionary, into a new one
        try await store.rename(key("/only/one"), to: key("/one")) // leaves an empty parent behind
        try await store.rename(key("/one"), to: key("/one"))      // onto itself: nothing
        try await store.set(key("/target"), bytes("t"))
        try await store.rename(key("/e/moved/s"), to: key("/target")) // a dictionary onto a value
        let expected: [KVKey: [UInt8]] = [key("/w"): bytes("v"), key("/e/moved/x"): bytes("x"),
                                          key("/target/y"): bytes("y"), key("/one"): bytes("1")]
        #expect(try await contents(of: store) == expected)
        #expect(try await store.exists(key("/only")) == nil)
        #expect(try await store.exists(key("/d")) == nil)
        #expect(try await store.digest(key("/target/y")) == SHA256.hash(bytes("y")).hex)
        #expect(try await contents(of: LogStore.open(disk)) == expected, "after reopening")
    }

    @Test func reopeningShowsTheSameStoreAndDigests() async throws {
        let disk = MemoryBlock(sectorCount: 4096)
        var model: [KVKey: [UInt8]] = [:]
        do {
            let store = try await LogStore.open(disk)
            var random = TestRandom(seed: 5)
            for index in 0..<200 {
                let path = key("/n\(index % 37)/v\(index % 11)")
                let value = random.bytes(random.below(2000))
                try await store.set(path, value)
                model[path] = value
            }
            try await store.remove(key("/n3"))
            model = model.filter { !$0.key.segments.starts(with: ["n3"]) }
            #expect(try await contents(of: store) == model)
        }
        let reopened = try await LogStore.open(disk)
        #expect(try await contents(of: reopened) == model)
        for (path, value) in model { #expect(try await reopened.digest(path) == SHA256.hash(value).hex) }
    }

    @Test func fourKilobyteSectors() async throws {
        let disk = MemoryBlock(sectorCount: 40, sectorSize: 4096)
        let store = try await LogStore.open(disk)
        var model: [KVKey: [UInt8]] = [:]
        for round in 0..<60 {
            let path = key("/s/\(round % 5)")
            model[path] = pattern(round * 97 % 9000, seed: UInt64(round))
            try await store.set(path, model[path] ?? [])
        }
        #expect(store.compactionCount > 0)
        #expect(try await store.get(key("/s/1"), offset: 4090, length: 10) == Array((model[key("/s/1")] ?? [])[4090..<4100]))
        #expect(try await contents(of: LogStore.open(disk)) == model)
    }

    @Test func compactionKeepsTheLatestValuesAcrossReopening() async throws {
        let disk = MemoryBlock(sectorCount: 64)   // two regions of 31 sectors
        let store = try await LogStore.open(disk)
        var model: [KVKey: [UInt8]] = [:]
        var random = TestRandom(seed: 9)
        for round in 0..<600 {
            let path = key("/k\(round % 7)")
            let value = random.bytes(random.below(900))
            try await store.set(path, value)
            model[path] = value
        }
        #expect(store.compactionCount > 20)
        #expect(try await contents(of: store) == model)
        let reopened = try await LogStore.open(disk)
        #expect(try await contents(of: reopened) == model)
        try await reopened.set(key("/k0"), bytes("after"))
        model[key("/k0")] = bytes("after")
        #expect(try await contents(of: LogStore.open(disk)) == model)
    }

    @Test func noSpaceLeavesTheStoreUnchanged() async throws {
        let disk = MemoryBlock(sectorCount: 42)   // two regions of 20 sectors (10 KiB)
        let store = try await LogStore.open(disk)
        try await store.set(key("/a"), pattern(4000, seed: 1))
        try await store.set(key("/b"), pattern(4000, seed: 2))
        let before = try await contents(of: store)
        let image = disk.bytes
        await expectError(.noSpace) { try await store.set(key("/c"), pattern(3000, seed: 3)) }
        await expectError(.noSpace) { try await store.set(key("/huge"), pattern(11_000, seed: 4)) }
        #expect(try await contents(of: store) == before)
        #expect(disk.bytes == image, "nothing was written")
        #expect(try await contents(of: LogStore.open(disk)) == before)
        // Overwriting in place still fits (the compaction folds the change in), and so does a
        // new value once something is removed.
        try await store.set(key("/b"), pattern(4000, seed: 5))
        try await store.remove(key("/a"))
        try await store.set(key("/c"), pattern(3000, seed: 3))
        let expected = [key("/b"): pattern(4000, seed: 5), key("/c"): pattern(3000, seed: 3)]
        #expect(try await contents(of: store) == expected)
        #expect(try await contents(of: LogStore.open(disk)) == expected)
    }

    @Test func refusesToFormatAForeignOrBlankUnaskedDisk() async throws {
        var random = TestRandom(seed: 3)
        let foreign = MemoryBlock(bytes: random.bytes(512) + [UInt8](repeating: 0, count: 512 * 63))
        let image = foreign.bytes
        do {
            _ = try await LogStore.open(foreign)
            Issue.record("a foreign disk was opened")
        } catch {
            #expect(error == .storageFailure("the device is not a Swiftlet store; refusing to format it"))
        }
        #expect(foreign.bytes == image, "the foreign disk is untouched")

        let blank = MemoryBlock(sectorCount: 64)
        await expectError(.storageFailure("the device is blank and formatting was not asked for")) {
            _ = try await LogStore.open(blank, formatIfBlank: false)
        }
        #expect(blank.bytes.allSatisfy { $0 == 0 })
        await expectError(.storageFailure("the device is blank and read-only; cannot format it")) {
            _ = try await LogStore.open(MemoryBlock(sectorCount: 64, isWritable: false))
        }
        do {
            _ = try await LogStore.open(MemoryBlock(sectorCount: 5))
            Issue.record("a 5-sector disk was formatted")
        } catch {
            guard case .storageFailure = error else { Issue.record("unexpected \(error)"); return }
        }
    }

    @Test func readOnlyDeviceOpensForReading() async throws {
        let disk = MemoryBlock(sectorCount: 256)
        let writer = try await LogStore.open(disk)
        try await writer.set(key("/a/b"), bytes("kept"))
        let store = try await LogStore.open(MemoryBlock(bytes: disk.bytes, isWritable: false))
        #expect(try await store.get(key("/a/b")) == bytes("kept"))
        let readOnly = KVError.storageFailure("read-only device")
        await expectError(readOnly) { try await store.set(key("/c"), []) }
        await expectError(readOnly) { try await store.remove(key("/a/b")) }
        await expectError(readOnly) { try await store.rename(key("/a"), to: key("/z")) }
        #expect(try await contents(of: store) == [key("/a/b"): bytes("kept")])
    }

    /// A compaction that crashed before its superblock landed left records in the other
    /// region; the next compaction must write them with a fresh epoch, so that none of the
    /// stale ones can ever pass for part of the new log.
    @Test func aCrashedCompactionsEpochIsNeverReused() async throws {
        let disk = MemoryBlock(sectorCount: 42)   // regions of 20 sectors; region 1 starts at 22
        let store = try await LogStore.open(disk)
        try await store.set(key("/a"), pattern(4000, seed: 1))
        try await store.set(key("/b"), pattern(4000, seed: 2))
        // The next overwrite compacts: reserve the epoch, write the records, commit. Crash
        // before the commit.
        let crashing = CrashingBlock(disk, crashAfter: 2)
        let doomed = try await LogStore.open(crashing)
        await expectError(.storageFailure("writing 512 bytes at sector 0: crashed")) {
            try await doomed.set(key("/b"), pattern(3000, seed: 3))
        }
        let epochAt = { (bytes: [UInt8]) in UInt64(le32(bytes, 22 * 512 + 8)) | UInt64(le32(bytes, 22 * 512 + 12)) << 32 }
        let crashedEpoch = epochAt(disk.bytes)
        #expect(le32(disk.bytes, 22 * 512) == 0x524C_5753, "the crashed compaction's records are on the disk")
        let before = [key("/a"): pattern(4000, seed: 1), key("/b"): pattern(4000, seed: 2)]
        let reopened = try await LogStore.open(disk)
        #expect(try await contents(of: reopened) == before)
        try await reopened.set(key("/b"), pattern(3000, seed: 4))
        #expect(epochAt(disk.bytes) > crashedEpoch)
        #expect(try await contents(of: LogStore.open(disk)) == [key("/a"): pattern(4000, seed: 1), key("/b"): pattern(3000, seed: 4)])
    }

    /// Damage inside the log with valid records after it is bit rot, not a torn tail: opening
    /// refuses rather than silently dropping the later changes. Damage in the last record is
    /// indistinguishable from a torn write and drops just that change.
    @Test func damageInsideTheLogIsReportedNotDropped() async throws {
        let disk = MemoryBlock(sectorCount: 64)
        let store = try await LogStore.open(disk)
        for name in ["x", "y", "z"] { try await store.set(key("/" + name), bytes(name + name)) }
        var middle = disk.bytes
        middle[3 * 512 + 43] ^= 0x01   // the value of the second record (region 0 starts at sector 2)
        do {
            _ = try await LogStore.open(MemoryBlock(bytes: middle))
            Issue.record("a damaged log opened")
        } catch {
            #expect(error == .storageFailure("log record 1 at sector 3 is damaged but later records follow it; refusing to drop them"))
        }
        var last = disk.bytes
        last[4 * 512 + 43] ^= 0x01
        #expect(try await contents(of: LogStore.open(MemoryBlock(bytes: last))) == [key("/x"): bytes("xx"), key("/y"): bytes("yy")])
    }

    /// The superblock's and a record's checksums are CRC-32C as the layout says (checked with
    /// an independent bitwise CRC-32C), so other tools can read the format.
    @Test func onDiskChecksumsAreCRC32C() async throws {
        #expect(bitwiseCRC32C(bytes("123456789")) == 0xE306_9283)
        let disk = MemoryBlock(sectorCount: 64)
        let store = try await LogStore.open(disk)
        try await store.set(key("/k"), bytes("value"))
        let image = disk.bytes
        #expect(Array(image[0..<8]) == bytes("SWLTKVLG"))
        #expect(le32(image, 64) == bitwiseCRC32C(Array(image[0..<64])))
        let record = Array(image[1024..<1536])   // region 0 starts at sector 2
        #expect(le32(record, 0) == 0x524C_5753)
        var covered = Array(record[0..<(40 + 2 + 5)])
        for index in 36..<40 { covered[index] = 0 }
        #expect(le32(record, 36) == bitwiseCRC32C(covered))
        #expect(Array(record[40..<47]) == bytes("/kvalue"))
    }

    /// Two tasks setting and a third reading, on Swiftlet's executor, over a disk whose every
    /// access suspends: the mutex keeps appends (and compactions) from interleaving.
    @Test func concurrentChangesAreSerialized() async throws {
        let disk = MemoryBlock(sectorCount: 100)
        let loop = RunLoop(platform: SimulatedPlatform())
        var problems = 0
        var compactions = 0
        let status = try loop.run {
            guard let store = try? await LogStore.open(YieldingBlock(disk: disk)) else { return 1 }
            async let first = Self.writer(store, prefix: "a", rounds: 60)
            async let second = Self.writer(store, prefix: "b", rounds: 60)
            async let reads = Self.reader(store, rounds: 200)
            problems = await first + second + reads
            compactions = store.compactionCount
            return 0
        }
        #expect(status == 0)
        #expect(problems == 0)
        #expect(compactions >= 3, "compactions happened while other tasks waited")
        var expected: [KVKey: [UInt8]] = [:]
        for prefix in ["a", "b"] {
            for slot in 0..<6 {
                let last = (0..<60).last { $0 % 6 == slot } ?? 0
                expected[key("/\(prefix)/\(slot)")] = Self.writerValue(prefix, last)
            }
        }
        #expect(try await contents(of: LogStore.open(disk)) == expected)
    }

    static func writerValue(_ prefix: String, _ round: Int) -> [UInt8] {
        bytes("\(prefix)\(round):") + [UInt8](repeating: UInt8(round), count: 300 + round * 3)
    }

    static func writer(_ store: LogStore<YieldingBlock>, prefix: String, rounds: Int) async -> Int {
        var problems = 0
        for round in 0..<rounds {
            do { try await store.set(key("/\(prefix)/\(round % 6)"), writerValue(prefix, round)) } catch { problems += 1 }
        }
        return problems
    }

    static func reader(_ store: LogStore<YieldingBlock>, rounds: Int) async -> Int {
        var problems = 0
        for round in 0..<rounds {
            let path = key("/\(round % 2 == 0 ? "a" : "b")/\(round % 6)")
            guard let value = try? await store.get(path) else { continue }   // not written yet
            // Whatever version it read must be one a writer wrote, whole.
            let text = String(decoding: value.prefix { $0 != UInt8(ascii: ":") }, as: UTF8.self)
            let written = Int(text.dropFirst()) ?? -1
            if written < 0 || writerValue(String(text.prefix(1)), written) != value { problems += 1 }
        }
        return problems
    }

    // MARK: Crash safety

    /// The workload every crash test runs: sets of varied sizes, overwrites, removes and
    /// renames of values and dictionaries (some invalid), enough to compact several times.
    static let workload = Workload(seed: 42, operations: 520)
    /// The disk it runs on: two regions of 99 sectors.
    static let crashDiskSectors = 200

    /// What one run of the workload against a crashing disk left, checked against the model.
    static func crashRun(crashAfter: Int?, tearSeed: UInt64?, continueAfter: Bool) async throws -> CrashRunResult {
        let disk = MemoryBlock(sectorCount: crashDiskSectors)
        let device = CrashingBlock(disk, crashAfter: crashAfter, tearSeed: tearSeed)
        var interrupted: Int? = nil   // index into workload.operations; -1 is the format
        var compactions = 0
        var mismatches: [String] = []
        do {
            let store = try await LogStore.open(device)
            for (index, operation) in workload.operations.enumerated() {
                do {
                    try await operation.perform(on: store)
                    if !workload.succeeds[index] { mismatches.append("operation \(index) \(operation) succeeded") }
                } catch {
                    if device.hasCrashed { interrupted = index; break }
                    if workload.succeeds[index] { mismatches.append("operation \(index) \(operation) failed: \(error)") }
                }
            }
            compactions = store.compactionCount
        } catch {
            guard device.hasCrashed else { throw error }
            interrupted = -1
        }

        // What the disk shows after the crash: the state before or after the interrupted
        // operation, everything before it included.
        let reopened = try await LogStore.open(disk)
        let found = try await contents(of: reopened)
        if let interrupted {
            let before = workload.states[max(interrupted, 0)]
            let after = workload.states[interrupted + 1]
            if found != before && found != after {
                mismatches.append("after a crash in operation \(interrupted): neither the state before nor after it")
            }
        } else if found != workload.states[workload.operations.count] {
            mismatches.append("the finished workload's state differs")
        }
        if continueAfter {
            // The recovered store takes new changes, and keeps them.
            try await reopened.set(key("/after/crash"), bytes("yes"))
            var expected = found
            expected[key("/after/crash")] = bytes("yes")
            if let first = found.keys.sorted(by: { $0.description < $1.description }).first {
                try await reopened.remove(first)
                expected[first] = nil
            }
            if try await contents(of: LogStore.open(disk)) != expected { mismatches.append("changes after recovery were lost") }
        }
        return CrashRunResult(writes: device.writes, interrupted: interrupted, compactions: compactions,
                              appliedInterrupted: interrupted.map { $0 >= 0 && found == workload.states[$0 + 1] && found != workload.states[$0] } ?? false,
                              mismatches: mismatches)
    }

    struct CrashRunResult {
        var writes: Int
        var interrupted: Int?
        var compactions: Int
        var appliedInterrupted: Bool
        var mismatches: [String]
    }

    @Test func workloadWithoutACrashMatchesTheModel() async throws {
        let result = try await Self.crashRun(crashAfter: nil, tearSeed: nil, continueAfter: true)
        #expect(result.mismatches.isEmpty, "\(result.mismatches)")
        #expect(result.compactions >= 4, "the workload compacts several times")
        print("crash workload: \(Self.workload.operations.count) operations, \(result.writes) writes, \(result.compactions) compactions")
    }

    /// A crash after every single write of the workload: later writes are lost.
    @Test(arguments: 0..<4) func crashAfterEveryWrite(shard: Int) async throws {
        let total = try await Self.crashRun(crashAfter: nil, tearSeed: nil, continueAfter: false).writes
        var points = 0
        var applied = 0
        for crashAfter in stride(from: shard, to: total, by: 4) {
            let result = try await Self.crashRun(crashAfter: crashAfter, tearSeed: nil, continueAfter: crashAfter % 9 == 0)
            #expect(result.mismatches.isEmpty, "crash after \(crashAfter) writes: \(result.mismatches)")
            points += 1
            if result.appliedInterrupted { applied += 1 }
        }
        print("clean crashes, shard \(shard): \(points) crash points of \(total) writes, \(applied) with the interrupted change applied")
    }

    /// The write at the crash is torn (a seeded subset, prefix or suffix of its sectors lands),
    /// five times per write with different tears.
    @Test(arguments: 0..<4) func tornWriteAtEveryWrite(shard: Int) async throws {
        let total = try await Self.crashRun(crashAfter: nil, tearSeed: nil, continueAfter: false).writes
        var points = 0
        var applied = 0
        for write in stride(from: shard, to: total, by: 4) {
            for tear in 1...5 as ClosedRange<UInt64> {
                let seed = UInt64(write) &* 7919 &+ tear
                let result = try await Self.crashRun(crashAfter: write, tearSeed: seed, continueAfter: (write + Int(tear)) % 11 == 0)
                #expect(result.mismatches.isEmpty, "torn write \(write + 1), tear \(tear): \(result.mismatches)")
                points += 1
                if result.appliedInterrupted { applied += 1 }
            }
        }
        print("torn writes, shard \(shard): \(points) crash points of \(total) writes, \(applied) with the interrupted change applied")
    }

    // MARK: Damaged disks

    /// Thousands of damaged copies of a store that has compacted several times: byte flips
    /// anywhere, in the superblocks, overwritten sector runs, truncation. Every one opens to a
    /// state the store really had at some point, or fails with a KVError; nothing traps.
    @Test func damagedDisksOpenToAnEarlierStateOrFailCleanly() async throws {
        let disk = MemoryBlock(sectorCount: Self.crashDiskSectors)
        let store = try await LogStore.open(disk)
        for operation in Self.workload.operations { try? await operation.perform(on: store) }
        #expect(try await contents(of: store) == Self.workload.states.last)
        let history = Set(Self.workload.states.map(fingerprint))
        let image = disk.bytes
        var random = TestRandom(seed: 2024)
        var opened = 0
        var failed = 0
        var latest = 0
        for trial in 0..<2500 {
            var damaged = image
            switch trial % 5 {
            case 0, 1:
                for _ in 0..<(1 + random.below(4)) { damaged[random.below(damaged.count)] ^= UInt8(1 + random.below(255)) }
            case 2:
                damaged[random.below(1024)] ^= UInt8(1 + random.below(255))
                if random.below(2) == 0 { damaged[random.below(damaged.count)] ^= 0x80 }
            case 3:
                let start = random.below(damaged.count / 512) * 512
                let count = min((1 + random.below(4)) * 512, damaged.count - start)
                damaged.replaceSubrange(start..<(start + count), with: random.bytes(count))
            default:
                damaged = Array(damaged.prefix(random.below(damaged.count)))
                if !damaged.isEmpty, random.below(2) == 0 { damaged[random.below(damaged.count)] ^= 1 }
            }
            let device = MemoryBlock(bytes: damaged)
            do {
                let store = try await LogStore.open(device, formatIfBlank: false)
                let found = try await contents(of: store, thorough: true)
                let known = history.contains(fingerprint(found))
                #expect(known, "trial \(trial) (mode \(trial % 5)) opened to a state the store never had")
                if found == Self.workload.states.last { latest += 1 }
                opened += 1
                // It stays usable: a change either lands (and survives reopening) or fails cleanly.
                if (try? await store.set(key("/fresh"), bytes("new"))) != nil {
                    let again = try await contents(of: LogStore.open(device, formatIfBlank: false))
                    #expect(again[key("/fresh")] == bytes("new"), "trial \(trial)")
                }
            } catch {
                failed += 1   // a clean KVError: typed throws guarantee the kind
            }
        }
        print("damaged disks: \(opened) opened (\(latest) to the latest state), \(failed) refused cleanly")
        #expect(opened > 0 && failed > 0)
    }

    // MARK: Measurements

    @Test func measureThroughputAndReplay() async throws {
        let clock = ContinuousClock()
        // 4 KiB values, all distinct keys.
        let small = try await LogStore.open(MemoryBlock(sectorCount: 131_072))   // 64 MiB
        let value4K = pattern(4096, seed: 1)
        var elapsed = try await clock.measure {
            for index in 0..<4000 { try await small.set(key("/small/\(index)"), value4K) }
        }
        report("set 4 KiB values", count: 4000, bytes: 4000 * 4096, elapsed)

        // 1 MiB values over 8 keys: 48 MiB written, with the compactions that takes.
        let large = try await LogStore.open(MemoryBlock(sectorCount: 131_072))
        let value1M = pattern(1 << 20, seed: 2)
        elapsed = try await clock.measure {
            for index in 0..<48 { try await large.set(key("/large/\(index % 8)"), value1M) }
        }
        report("set 1 MiB values (\(large.compactionCount) compactions)", count: 48, bytes: 48 << 20, elapsed)

        // Replay: 10,000 records.
        let disk = MemoryBlock(sectorCount: 24_000)
        let log = try await LogStore.open(disk)
        for index in 0..<10_000 { try await log.set(key("/r/\(index % 2500)/v"), pattern(100 + index % 200, seed: UInt64(index))) }
        var reopened: LogStore<MemoryBlock>? = nil
        elapsed = try await clock.measure { reopened = try await LogStore.open(disk) }
        print("LogStore (debug build): open + replay of 10,000 records: \(milliseconds(elapsed)) ms")
        #expect(try await reopened?.list(key("/r")).count == 2500)
        #expect(try await reopened?.get(key("/r/7/v")) == pattern(100 + 7_507 % 200, seed: 7_507))
    }

    func report(_ what: String, count: Int, bytes: Int, _ elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("LogStore (debug build): \(what): \(count) in \(milliseconds(elapsed)) ms, "
            + "\(Int(Double(count) / seconds)) sets/s, \(Int(Double(bytes) / seconds / 1_000_000)) MB/s")
    }
}

// MARK: - The crash workload and its model

/// One change of the workload.
enum Operation: CustomStringConvertible {
    case set(KVKey, [UInt8])
    case remove(KVKey)
    case rename(KVKey, KVKey)

    func perform<B: BlockDevice>(on store: LogStore<B>) async throws(KVError) {
        switch self {
        case .set(let path, let value): try await store.set(path, value)
        case .remove(let path): try await store.remove(path)
        case .rename(let source, let destination): try await store.rename(source, to: destination)
        }
    }

    var description: String {
        switch self {
        case .set(let path, let value): "set \(path) (\(value.count) bytes)"
        case .remove(let path): "remove \(path)"
        case .rename(let source, let destination): "rename \(source) to \(destination)"
        }
    }
}

/// A seeded list of operations, whether each should succeed, and the state after each one,
/// all from a model that knows nothing of logs.
struct Workload {
    var operations: [Operation] = []
    var succeeds: [Bool] = []
    /// `states[i]` is the state after the first `i` operations.
    var states: [[KVKey: [UInt8]]] = [[:]]

    static let paths = ["/a", "/b", "/d1/x", "/d1/y", "/d1/sub/z", "/d2/p", "/d2/q", "/d2/q/r", "/d3",
                        "/d3/k", "/dé/ü v", "/e", "/d1", "/d4/x/y", "/d4"].map { key($0) }

    init(seed: UInt64, operations count: Int) {
        var random = TestRandom(seed: seed)
        var model: [KVKey: [UInt8]] = [:]
        for _ in 0..<count {
            let roll = random.below(100)
            let operation: Operation
            if roll < 58 {
                let sizeRoll = random.below(100)
                let size = sizeRoll < 75 ? random.below(300) : sizeRoll < 97 ? 300 + random.below(1200) : 1500 + random.below(1500)
                operation = .set(Self.paths[random.below(Self.paths.count)], random.bytes(size))
            } else if roll < 75 {
                operation = .remove(Self.pick(&random, model))
            } else if roll < 99 {
                operation = .rename(Self.pick(&random, model), Self.paths[random.below(Self.paths.count)])
            } else {
                operation = .remove(.root)
            }
            let succeeded = Self.apply(operation, to: &model)
            operations.append(operation)
            succeeds.append(succeeded)
            states.append(model)
        }
    }

    /// Mostly a key that exists (or its dictionary), sometimes any path.
    static func pick(_ random: inout TestRandom, _ model: [KVKey: [UInt8]]) -> KVKey {
        let keys = model.keys.sorted { $0.description < $1.description }
        guard !keys.isEmpty, random.below(4) != 0 else { return paths[random.below(paths.count)] }
        let chosen = keys[random.below(keys.count)]
        if chosen.segments.count > 1, random.below(2) == 0 { return (try? KVKey(segments: [chosen.segments[0]])) ?? chosen }
        return chosen
    }

    /// The model's rules: what the store documents, written independently.
    static func apply(_ operation: Operation, to model: inout [KVKey: [UInt8]]) -> Bool {
        func isDictionary(_ path: KVKey) -> Bool {
            path.segments.isEmpty || model.keys.contains { $0.segments.count > path.segments.count && $0.segments.starts(with: path.segments) }
        }
        func hasValueAbove(_ path: KVKey) -> Bool {
            (1..<max(path.segments.count, 1)).contains { model[(try? KVKey(segments: Array(path.segments.prefix($0)))) ?? .root] != nil }
        }
        switch operation {
        case .set(let path, let value):
            guard !path.segments.isEmpty, !isDictionary(path), !hasValueAbove(path) else { return false }
            model[path] = value
        case .remove(let path):
            guard model[path] != nil || isDictionary(path) else { return false }
            model = model.filter { !$0.key.segments.starts(with: path.segments) }
        case .rename(let source, let destination):
            guard model[source] != nil || isDictionary(source) else { return false }
            if source == destination { return true }
            let inside = destination.segments.count > source.segments.count && destination.segments.starts(with: source.segments)
            guard !inside, !isDictionary(destination), !hasValueAbove(destination) else { return false }
            model[destination] = nil
            var moved: [KVKey: [UInt8]] = [:]
            for (path, value) in model where path.segments.starts(with: source.segments) {
                moved[(try? KVKey(segments: destination.segments + path.segments.dropFirst(source.segments.count))) ?? .root] = value
                model[path] = nil
            }
            model.merge(moved) { _, new in new }
        }
        return true
    }
}

// MARK: - Helpers

/// A disk whose every access suspends first, so that tasks interleave at each one.
struct YieldingBlock: BlockDevice {
    let disk: MemoryBlock
    var info: BlockInfo { disk.info }

    func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        await Task.yield()
        try await disk.read(at: sector, into: &buffer)
    }

    func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) {
        await Task.yield()
        try await disk.write(at: sector, bytes)
    }
}

func key(_ path: String) -> KVKey {
    do { return try KVKey(path) } catch { fatalError("bad test key \(path)") }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
    var random = TestRandom(seed: seed)
    return random.bytes(count)
}

func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
}

/// Every value in the store, by walking it through the public API; `thorough` also reads each
/// value in pieces, its size, kind and digest, and checks they agree.
func contents<B: BlockDevice>(of store: LogStore<B>, thorough: Bool = false) async throws -> [KVKey: [UInt8]] {
    var found: [KVKey: [UInt8]] = [:]
    var pending = [KVKey.root]
    while let directory = pending.popLast() {
        let entries = try await store.list(directory)
        #expect(directory.segments.isEmpty || !entries.isEmpty, "empty dictionary \(directory)")
        #expect(entries.map { Array($0.name.utf8) } == entries.map { Array($0.name.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
        for entry in entries {
            let path = try directory.appending(entry.name)
            switch entry.kind {
            case .dictionary: pending.append(path)
            case .value:
                let value = try await store.get(path)
                found[path] = value
                if thorough {
                    #expect(try await store.exists(path) == .value)
                    #expect(try await store.size(path) == value.count)
                    #expect(try await store.digest(path) == SHA256.hash(value).hex)
                    if value.count > 10 {
                        #expect(try await store.get(path, offset: 5, length: value.count) == Array(value[5...]))
                    }
                }
            }
        }
    }
    return found
}

/// A digest of a whole state, for comparing against many.
func fingerprint(_ state: [KVKey: [UInt8]]) -> String {
    var hash = SHA256()
    for path in state.keys.sorted(by: { $0.description < $1.description }) {
        hash.update(Array(path.description.utf8) + [0])
        hash.update(SHA256.hash(state[path] ?? []).hex.utf8.map { $0 })
    }
    return hash.finalize().hex
}

/// Expects `body` to throw exactly `expected`.
func expectError(_ expected: KVError, sourceLocation: SourceLocation = #_sourceLocation,
                 _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(expected), nothing was thrown", sourceLocation: sourceLocation)
    } catch {
        #expect(error as? KVError == expected, sourceLocation: sourceLocation)
    }
}

/// CRC-32C one bit at a time: slow, obviously right, independent of the store's table version.
func bitwiseCRC32C(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
}

func le32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
}
