import SwiftletConfig

// Walks the store made of tree/ (which the test generates) and prints what it read.
register("kv-walk", main: "KeyValueWalk", devices: [.keyValueReadOnly("tree"), .monotonicClock], packages: ["SwiftletStorage"])
