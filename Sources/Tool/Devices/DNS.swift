extension DeviceKind {
    /// A DNS stub resolver (`DNSStubResolver` of SwiftletDNS) on the TCP/IP stack: every stack
    /// implementation, like the HTTP server. It asks `--dns-server`, or the servers DHCP gave.
    static let dns = DeviceKind.layered(
        on: .stack, kind: "dns", protocolName: "DNSResolving", doc: "a DNS resolver on the stack chosen with --net",
        layer: DeviceLayer(
            baseKind: "stack",
            typeName: { target, stack in
                let platform = target.platformType
                return "DNSStubResolver<\(stack), PlatformTime<\(platform)>, PlatformLoopClock<\(platform)>, SplitMix64>"
            },
            modules: ["SwiftletDNS"],
            keys: [UnikernelDescription.KeyDeclaration(
                name: "dns-server", type: "string", defaultText: "",
                doc: "DNS servers to ask, separated by commas (empty: those DHCP gave).", stage: "runtime")],
            expression: { _, stack in "dnsDevice(stack: \(stack), loop: loop, servers: Keys.dnsServer)" }))
}
