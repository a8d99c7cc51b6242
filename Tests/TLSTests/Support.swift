@testable import SwiftletTLS

/// Bytes from hex, whitespace ignored.
func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8?
    for character in text.utf8 {
        let value: UInt8
        switch character {
        case 0x30...0x39: value = character - 0x30
        case 0x61...0x66: value = character - 0x61 + 10
        case 0x41...0x46: value = character - 0x41 + 10
        default: continue
        }
        if let pending = high {
            bytes.append(pending << 4 | value)
            high = nil
        } else {
            high = value
        }
    }
    precondition(high == nil, "odd number of hex digits")
    return bytes
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var text = ""
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 15)])
    }
    return text
}

/// A deterministic generator for tests (SplitMix64): never for real keys.
struct TestRandom {
    var state: UInt64

    func random() -> TLSRandom {
        final class Box { var state: UInt64; init(_ state: UInt64) { self.state = state } }
        let box = Box(state)
        return TLSRandom { bytes in
            for index in bytes.indices {
                box.state &+= 0x9E37_79B9_7F4A_7C15
                var z = box.state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                bytes[index] = UInt8(truncatingIfNeeded: z ^ (z >> 31))
            }
        }
    }
}
