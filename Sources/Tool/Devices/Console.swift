extension DeviceKind {
    static let console = DeviceKind(
        kind: "console", protocolName: "ConsoleDevice", doc: "the console (standard output on unix)",
        implementations: [
            .unix: DeviceImplementation(typeName: "PlatformConsole<UnixPlatform>",
                                        expression: "PlatformConsole(platform: platform)", modules: []),
        ])
}
