import SwiftletRuntime

/// Allocates and frees far more memory in total than the heap holds (1 GiB in 1 MiB arrays by
/// default, while spt tests run with --mem=64), checking every array's contents, plus many
/// small objects of mixed sizes: freed memory must be reused.
struct HeapTest {
    func start() async -> Int32 {
        for round in 0..<Keys.megabytes {
            let value = UInt8(truncatingIfNeeded: round)
            let block = [UInt8](repeating: value, count: 1 << 20)
            guard block[0] == value, block[(1 << 20) - 1] == value else {
                Log.error("round \(round): memory lost its contents")
                return 1
            }
        }
        var total = 0
        for round in 0..<2000 {
            var strings: [String] = []
            for index in 0..<(round % 50 + 1) { strings.append(String(repeating: "x", count: index * 13 % 200)) }
            total += strings.count
        }
        print("SUCCESS: heap \(Keys.megabytes) MiB, \(total) small objects")
        return 0
    }
}
