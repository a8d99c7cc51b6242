import SwiftletConfig

let bench = Key.bool("bench", default: false, doc: "After the checks, measure in-memory handshakes and record throughput.")
let seconds = Key.int("seconds", default: 1, doc: "Seconds per measurement with --bench.")

// SwiftletTLS on the target: RFC 8448's trace byte for byte, and a client and a server
// handshaking in memory; --bench adds handshakes per second.
register("tls-kat", main: "TLSKnownAnswers", devices: [.monotonicClock], keys: [bench, seconds],
         packages: ["SwiftletCrypto", "SwiftletX509", "SwiftletTLS"])
