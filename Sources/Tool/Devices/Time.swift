extension DeviceKind {
    static let time = DeviceKind(
        kind: "time", protocolName: "TimeDevice", doc: "sleeping, on the run loop's timers",
        implementations: DeviceImplementation.generic("PlatformTime", "PlatformTime(loop: loop)"))

    static let monotonicClock = DeviceKind(
        kind: "monotonic-clock", protocolName: "MonotonicClock", doc: "the monotonic clock",
        implementations: DeviceImplementation.generic("PlatformMonotonicClock", "PlatformMonotonicClock(platform: platform)"))

    static let wallClock = DeviceKind(
        kind: "wall-clock", protocolName: "WallClock", doc: "the wall clock (UTC)",
        implementations: DeviceImplementation.generic("PlatformWallClock", "PlatformWallClock(platform: platform)"))
}
