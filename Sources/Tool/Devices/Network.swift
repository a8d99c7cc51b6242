extension DeviceKind {
    static let network = DeviceKind(
        kind: "network", protocolName: "NetworkInterface", doc: "an Ethernet interface",
        implementations: [
            .spt: DeviceImplementation(typeName: "Solo5Network", expression: "Solo5Network(name: NAME, loop: loop)", modules: []),
            .hvt: DeviceImplementation(typeName: "Solo5Network", expression: "Solo5Network(name: NAME, loop: loop)", modules: []),
        ])

    // The TCP/IP stack comes with its own issue.
    static let stack = DeviceKind(
        kind: "stack", protocolName: "NetworkStack", doc: "a TCP/IP stack", implementations: [:])
}
