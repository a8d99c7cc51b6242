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

extension DeviceKind {
    /// An HTTP/1.1 server over TLS 1.3: `HTTPServer` over SwiftletTLS's `TLSStack` over the
    /// stack, on every stack implementation as `http` is. Declared with `.stack()` (and `.http()`)
    /// of the same name, all share one stack. The certificate comes from the application, at run
    /// time (`TLSDefaults.server`), before it calls `serve`; its randomness, for keys, is
    /// `TLSDefaults.random`.
    static let https = DeviceKind.layered(
        on: .stack, kind: "https", protocolName: "HTTPServing", doc: "an HTTPS (TLS 1.3) server on the stack chosen with --net",
        layer: DeviceLayer(
            baseKind: "stack",
            typeName: { target, stack in
                let platform = target.platformType
                return "HTTPServer<TLSStack<\(stack)>, PlatformTime<\(platform)>, PlatformLoopClock<\(platform)>, PlatformWallClock<\(platform)>>"
            },
            modules: ["SwiftletHTTP", "SwiftletTLS"],
            expression: { target, stack in
                // TLS needs entropy: the target's random device, where it has one (TLSStack
                // refuses to listen without).
                let random = DeviceKind.random.implementations[target].map { "TLSRandom(device: \($0.expression))" } ?? "nil"
                return "HTTPServer(stack: TLSStack(base: \(stack), random: \(random)), time: PlatformTime(loop: loop), "
                    + "clock: PlatformLoopClock(platform: platform), wallClock: PlatformWallClock(platform: platform))"
            }))
}
