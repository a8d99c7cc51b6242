/// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths (never on
/// where they differ): for comparing MACs, tags and other secrets.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in 0..<a.count { difference |= a[index] ^ b[index] }
    return difference == 0
}

/// Whether the big-endian number `x` is in [1, `limit` - 1] (`limit` as long as `x`), without
/// branching on the bytes: private scalars are checked against the group order.
func isInRange(_ x: [UInt8], belowLimit limit: [UInt8]) -> Bool {
    guard x.count == limit.count else { return false }
    var borrow: Int = 0
    var nonZero: UInt8 = 0
    for index in stride(from: x.count - 1, through: 0, by: -1) {
        let difference = Int(x[index]) - Int(limit[index]) - borrow
        borrow = (difference >> 8) & 1
        nonZero |= x[index]
    }
    // A final borrow means x < limit.
    return borrow == 1 && nonZero != 0
}
