import SwiftletConfig

// The writable store's crash test (Tests/ToolTests/KeyValueCrashTests.swift) kills this
// unikernel at random moments and starts it again, many times, on one disk.
let done = Key.int("done", default: 0, doc: "Operations the harness saw finish before the last kill.")
let operations = Key.int("operations", default: 2000, doc: "Operations to run before exiting.")

register("kv-crash", main: "KeyValueCrash", devices: [.keyValue("store")], keys: [done, operations])
