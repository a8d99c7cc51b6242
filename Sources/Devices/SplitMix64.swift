/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast, seedable generator. The stack uses
/// it wherever it needs reproducible randomness from a seed: sequence-number hashing, ephemeral
/// ports, DHCP transaction IDs and jitter, injected faults; the resolver, its query IDs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `perMillion` / 1,000,000.
    public mutating func happens(perMillion: UInt32) -> Bool {
        next() % 1_000_000 < UInt64(perMillion)
    }
}
