extension DeviceKind {
    static let random = DeviceKind(
        kind: "random", protocolName: "RandomDevice", doc: "cryptographically strong random bytes",
        implementations: [
            .unix: DeviceImplementation(typeName: "UnixRandom", expression: "UnixRandom()", modules: []),
        ])
}
