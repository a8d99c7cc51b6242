import SwiftletDevices

/// Prints `--bytes` bytes of the random device as hex, 64 bytes a line, between markers; a copy
/// of the device continues the stream rather than repeating it.
struct RandomBytes<Random: RandomDevice> {
    let random: Random

    func start() async -> Int32 {
        var generator = random
        var copy = random
        let first = generator.bytes(count: 32)
        if copy.bytes(count: 32) == first {
            print("FAILURE: a copy of the random device repeated its output")
            return 1
        }
        let digits = Array("0123456789abcdef".utf8)
        print("BEGIN RANDOM")
        var remaining = max(0, Keys.bytes)
        var line = [UInt8](repeating: 0, count: 128)
        while remaining > 0 {
            let count = min(64, remaining)
            let bytes = generator.bytes(count: count)
            for (index, byte) in bytes.enumerated() {
                line[2 * index] = digits[Int(byte >> 4)]
                line[2 * index + 1] = digits[Int(byte & 15)]
            }
            print(String(decoding: line[..<(2 * count)], as: UTF8.self))
            remaining -= count
        }
        print("END RANDOM")
        print("SUCCESS: random")
        return 0
    }
}
