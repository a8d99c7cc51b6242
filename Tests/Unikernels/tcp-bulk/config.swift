import SwiftletConfig

let bytes = Key.int("bytes", default: 100_000_000, doc: "How many bytes port 8081 sends to each client.")

register("tcp-bulk", main: "TCPBulk", devices: [.stack()], keys: [bytes])
