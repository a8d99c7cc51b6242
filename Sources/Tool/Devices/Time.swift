extension DeviceKind {
    static let time = DeviceKind(
        kind: "time", protocolName: "TimeDevice", doc: "sleeping, on the run loop's timers",
        implementations: [
            .unix: DeviceImplementation(typeName: "PlatformTime<UnixPlatform>",
                                        expression: "PlatformTime(loop: loop)", modules: []),
        ])

    static let monotonicClock = DeviceKind(
        kind: "monotonic-clock", protocolName: "MonotonicClock", doc: "the monotonic clock",
        implementations: [
            .unix: DeviceImplementation(typeName: "PlatformMonotonicClock<UnixPlatform>",
                                        expression: "PlatformMonotonicClock(platform: platform)", modules: []),
        ])

    static let wallClock = DeviceKind(
        kind: "wall-clock", protocolName: "WallClock", doc: "the wall clock (UTC)",
        implementations: [
            .unix: DeviceImplementation(typeName: "PlatformWallClock<UnixPlatform>",
                                        expression: "PlatformWallClock(platform: platform)", modules: []),
        ])
}
