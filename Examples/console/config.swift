import SwiftletConfig

let count = Key.int("count", default: 4, doc: "How many lines to write.")
let interval = Key.int("interval-ms", default: 200, doc: "Milliseconds between two lines.")

register("console", main: "ConsoleWriter", devices: [.console, .time, .wallClock], keys: [count, interval])
