import SwiftletConfig

register("time", main: "TimeTest", devices: [.time, .monotonicClock, .wallClock])
