extension DeviceKind {
    static let console = DeviceKind(
        kind: "console", protocolName: "ConsoleDevice", doc: "the console (standard output on unix)",
        implementations: DeviceImplementation.generic("PlatformConsole", "PlatformConsole(platform: platform)"))
}
