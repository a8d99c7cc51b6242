extension DeviceKind {
    /// An HMAC-DRBG seeded and reseeded from the platform's entropy (SwiftletCrypto's
    /// `PlatformRandom`): getrandom on unix, RDSEED/RDRAND on spt, hvt and virtio.
    static let random = DeviceKind(
        kind: "random", protocolName: "RandomDevice", doc: "cryptographically strong random bytes",
        implementations: DeviceImplementation.generic("PlatformRandom", "PlatformRandom(platform: platform)")
            .mapValues { implementation in
                var implementation = implementation
                implementation.modules = ["SwiftletCrypto"]
                return implementation
            })
}
