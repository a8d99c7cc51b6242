import SwiftletConfig

register("tasks", main: "Tasks", devices: [.time, .monotonicClock])
