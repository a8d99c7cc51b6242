import SwiftletDevices
import SwiftletStorage

/// A disk that "crashes" after a given number of writes, for crash-safety tests: the writes
/// before the crash land, the one at the crash lands not at all or (when `tearSeed` is set)
/// only a seeded subset of its sectors, and every write after it fails without landing, as if
/// the machine had stopped. Reads keep working so that tests can look at what is left.
final class CrashingBlock: BlockDevice {
    /// The disk underneath; reopen a store on it to see what survived.
    let disk: MemoryBlock
    let info: BlockInfo
    /// How many writes land in full before the crash; `nil`: never crash.
    let crashAfter: Int?
    /// When set, the write at the crash is torn: some of its sectors land.
    let tearSeed: UInt64?
    /// Writes that landed in full.
    private(set) var writes = 0
    /// Whether the crash has happened.
    private(set) var hasCrashed = false
    /// Sectors of the torn write that landed.
    private(set) var tornSectorsLanded = 0

    init(_ disk: MemoryBlock, crashAfter: Int? = nil, tearSeed: UInt64? = nil) {
        self.disk = disk
        self.info = disk.info
        self.crashAfter = crashAfter
        self.tearSeed = tearSeed
    }

    func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        try await disk.read(at: sector, into: &buffer)
    }

    func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) {
        guard !hasCrashed else { throw .deviceFailure("crashed") }
        if let crashAfter, writes >= crashAfter {
            hasCrashed = true
            if let tearSeed { try await tear(at: sector, bytes, seed: tearSeed) }
            throw .deviceFailure("crashed")
        }
        try await disk.write(at: sector, bytes)
        writes += 1
    }

    /// Lands some sectors of the write: a random subset, a prefix or a suffix.
    private func tear(at sector: UInt64, _ bytes: [UInt8], seed: UInt64) async throws(BlockError) {
        try info.validate(sector: sector, byteCount: bytes.count)
        let size = info.sectorSize
        let count = bytes.count / size
        var random = TestRandom(seed: seed &+ UInt64(writes) &* 0x9E37_79B9)
        let cut = Int(random.next() % UInt64(count + 1))
        var lands: [Bool]
        switch random.next() % 3 {
        case 0: lands = (0..<count).map { _ in random.next() & 1 == 1 }
        case 1: lands = (0..<count).map { $0 < cut }
        default: lands = (0..<count).map { $0 >= cut }
        }
        for index in 0..<count where lands[index] {
            try await disk.write(at: sector + UInt64(index), Array(bytes[(index * size)..<((index + 1) * size)]))
            tornSectorsLanded += 1
        }
    }
}

/// SplitMix64, for seeded test data (the network module's copy is not a dependency here).
struct TestRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// `count` seeded bytes.
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
