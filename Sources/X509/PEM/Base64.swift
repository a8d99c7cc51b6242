/// Base64 (RFC 4648 §4, with padding), as PEM uses it.
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `bytes` in Base64, padded, without line breaks.
    public static func encode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var group: UInt32 = 0
        var count = 0
        for byte in bytes {
            group = group << 8 | UInt32(byte)
            count += 1
            if count == 3 {
                for shift in [18, 12, 6, 0] { out.append(alphabet[Int(group >> UInt32(shift) & 0x3F)]) }
                group = 0
                count = 0
            }
        }
        if count > 0 {
            group <<= UInt32(8 * (3 - count))
            for (index, shift) in [18, 12, 6, 0].enumerated() {
                out.append(index <= count ? alphabet[Int(group >> UInt32(shift) & 0x3F)] : UInt8(ascii: "="))
            }
        }
        return out
    }

    /// The value of one Base64 character, or nil.
    private static func value(_ character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    /// Decodes Base64 text; line breaks and spaces between characters are skipped. Returns nil
    /// for any other character, a wrong length, misplaced padding, or non-zero padding bits.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var group: UInt32 = 0
        var count = 0
        var padding = 0
        for character in text {
            switch character {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                continue
            case UInt8(ascii: "="):
                // Padding only completes the last group: at most two, after at least two characters.
                guard count >= 2, count + padding < 4 else { return nil }
                padding += 1
                continue
            default:
                guard padding == 0, let value = value(character) else { return nil }
                group = group << 6 | value
                count += 1
                if count == 4 {
                    out.append(UInt8(truncatingIfNeeded: group >> 16))
                    out.append(UInt8(truncatingIfNeeded: group >> 8))
                    out.append(UInt8(truncatingIfNeeded: group))
                    group = 0
                    count = 0
                }
            }
        }
        switch (count, padding) {
        case (0, 0):
            return out
        case (2, 2):
            guard group & 0xF == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: group >> 4))
        case (3, 1):
            guard group & 0x3 == 0 else { return nil }
            out.append(UInt8(truncatingIfNeeded: group >> 10))
            out.append(UInt8(truncatingIfNeeded: group >> 2))
        default:
            return nil
        }
        return out
    }
}
