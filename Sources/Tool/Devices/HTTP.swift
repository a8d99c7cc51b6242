extension DeviceKind {
    /// An HTTP/1.1 server (`HTTPServer` of SwiftletHTTP) on the TCP/IP stack: every stack
    /// implementation, so `--net`, `--ipv4`, `--dhcp` and `--interface` choose and set it up
    /// exactly as they do the stack's. Its timeouts run on the loop's clock, read once per turn.
    static let http = DeviceKind.layered(
        on: .stack, kind: "http", protocolName: "HTTPServing", doc: "an HTTP/1.1 server on the stack chosen with --net",
        layer: DeviceLayer(
            baseKind: "stack",
            typeName: { target, stack in
                let platform = target.platformType
                return "HTTPServer<\(stack), PlatformTime<\(platform)>, PlatformLoopClock<\(platform)>, PlatformWallClock<\(platform)>>"
            },
            modules: ["SwiftletHTTP"],
            keys: [
                UnikernelDescription.KeyDeclaration(
                    name: "max-connections", type: "int", defaultText: "10000",
                    doc: "Most HTTP connections open at once; at the bound new ones wait in the backlog.", stage: "runtime"),
                UnikernelDescription.KeyDeclaration(
                    name: "backlog", type: "int", defaultText: "4096",
                    doc: "Established connections waiting to be accepted (unix: capped by net.core.somaxconn).", stage: "runtime"),
            ],
            expression: { _, stack in
                "HTTPServer(stack: \(stack), time: PlatformTime(loop: loop), clock: PlatformLoopClock(platform: platform), "
                    + "wallClock: PlatformWallClock(platform: platform), "
                    + "configuration: HTTPServerConfiguration(maxConnections: Keys.maxConnections, backlog: Keys.backlog))"
            }))
}
