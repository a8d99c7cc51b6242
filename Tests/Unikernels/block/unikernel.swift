import SwiftletDevices
import SwiftletRuntime

/// Writes a pattern to the first, a middle and the last sector of the attached disk, reads it
/// back, and checks that out-of-range and misaligned requests fail with the right error.
struct BlockTest<Block: BlockDevice> {
    let block: Block

    func start() async -> Int32 {
        let info = block.info
        print("block: \(info.sectorCount) sectors of \(info.sectorSize) bytes")
        var failures = 0
        for sector in [0, info.sectorCount / 2, info.sectorCount - 1] {
            let pattern = (0..<info.sectorSize).map { UInt8(truncatingIfNeeded: Int(sector) &+ $0 &* 7) }
            var readBack = [UInt8](repeating: 0, count: info.sectorSize)
            do {
                try await block.write(at: sector, pattern)
                try await block.read(at: sector, into: &readBack)
            } catch {
                Log.error("sector \(sector): I/O failed")
                failures += 1
                continue
            }
            if readBack != pattern { Log.error("sector \(sector): read back other bytes"); failures += 1 }
        }
        var buffer = [UInt8](repeating: 0, count: info.sectorSize)
        do {
            try await block.read(at: info.sectorCount, into: &buffer)
            Log.error("reading past the end succeeded")
            failures += 1
        } catch {
            if case .outOfRange = error {} else { failures += 1 }
        }
        var odd = [UInt8](repeating: 0, count: 100)
        do {
            try await block.read(at: 0, into: &odd)
            Log.error("a 100-byte read succeeded")
            failures += 1
        } catch {
            if case .misaligned = error {} else { failures += 1 }
        }
        if failures == 0 { print("SUCCESS: block") }
        return failures == 0 ? 0 : 1
    }
}
