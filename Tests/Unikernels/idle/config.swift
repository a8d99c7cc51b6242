import SwiftletConfig

let seconds = Key.int("seconds", default: 12, doc: "How long to sleep before exiting.")

register("idle", main: "Idle", devices: [.time], keys: [seconds])
