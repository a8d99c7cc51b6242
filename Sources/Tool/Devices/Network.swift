extension DeviceKind {
    static let network = DeviceKind(
        kind: "network", protocolName: "NetworkInterface", doc: "an Ethernet interface",
        implementations: .targets(
            unix: DeviceImplementation(typeName: "TapDevice", expression: "TapDevice.attach(name: Keys.interface, loop: loop)",
                                       modules: [], keys: [tapKey]),
            solo5: solo5Network))

    /// A TCP/IP stack: the host's sockets (unix) or Swiftlet's own over the target's Ethernet
    /// interface, chosen with `--net` as in MirageOS.
    static let stack = DeviceKind(
        kind: "stack", protocolName: "NetworkStack", doc: "a TCP/IP stack",
        choice: DeviceChoice(
            key: "net", doc: "the TCP/IP stack: the host's sockets, or Swiftlet's own on an Ethernet interface",
            defaults: Dictionary(uniqueKeysWithValues: Target.allCases.map { ($0, $0 == .unix ? "socket" : "direct") }),
            options: [
                DeviceChoice.Option(value: "socket", implementations: [
                    .unix: DeviceImplementation(typeName: "SocketStack", expression: "SocketStack(loop: loop)", modules: []),
                ]),
                DeviceChoice.Option(value: "direct", implementations: .targets(
                    unix: directStack(link: "TapDevice", linkExpression: "TapDevice.attach(name: Keys.interface, loop: loop)",
                                      platform: .unix, extraKeys: [tapKey]),
                    solo5: directStack(link: "Solo5Network", linkExpression: "Solo5Network(name: NAME, loop: loop)", platform: .spt))),
            ]))

    private static let solo5Network = DeviceImplementation(
        typeName: "Solo5Network", expression: "Solo5Network(name: NAME, loop: loop)", modules: [], solo5Device: .network)

    /// Which tap device a unix unikernel opens (the Solo5 targets get theirs from the tender).
    private static let tapKey = UnikernelDescription.KeyDeclaration(
        name: "interface", type: "string", defaultText: "tap0", doc: "The tap device to attach to (unix).", stage: "runtime")

    /// The keys of Swiftlet's stack, as MirageOS names them.
    private static let directStackKeys = [
        UnikernelDescription.KeyDeclaration(name: "ipv4", type: "ipv4-prefix", defaultText: "10.0.0.2/24",
                                            doc: "The IPv4 address and network of the interface.", stage: "runtime"),
        UnikernelDescription.KeyDeclaration(name: "ipv4-gateway", type: "ipv4-address", defaultText: "0.0.0.0",
                                            doc: "The IPv4 default gateway (0.0.0.0: none).", stage: "runtime"),
        UnikernelDescription.KeyDeclaration(name: "dhcp", type: "bool", defaultText: "false",
                                            doc: "Get the address, gateway and DNS servers from DHCP instead.", stage: "runtime"),
    ]

    private static func directStack(link: String, linkExpression: String, platform: Target,
                                    extraKeys: [UnikernelDescription.KeyDeclaration] = []) -> DeviceImplementation {
        DeviceImplementation(
            typeName: "DirectStack<\(link), \(platform.platformType)>",
            expression: "await DirectStack.started(link: \(linkExpression), loop: loop, "
                + "ipv4: Keys.ipv4, gateway: Keys.ipv4Gateway, dhcp: Keys.dhcp, addressGiven: RuntimeArguments.wasGiven(\"ipv4\"))",
            modules: ["SwiftletNet"], keys: extraKeys + directStackKeys, solo5Device: platform == .unix ? nil : .network)
    }
}
