import SwiftletConfig

let megabytes = Key.int("megabytes", default: 1024, doc: "How many MiB to allocate and free in total.")

register("heap", main: "HeapTest", keys: [megabytes])
