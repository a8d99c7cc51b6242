import SwiftletConfig

let count = Key.int("bytes", default: 1_048_576, doc: "How many random bytes to print, as hex.")

// Prints random bytes from the random device, for the host's statistical check.
register("random", main: "RandomBytes", devices: [.random], keys: [count])
