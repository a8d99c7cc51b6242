import SwiftletConfig

let bench = Key.bool("bench", default: false, doc: "After the known-answer tests, measure throughput (bench/crypto).")
let seconds = Key.int("seconds", default: 1, doc: "Seconds per measurement with --bench.")

// The known-answer tests of SwiftletCrypto, on the target; --bench adds throughput figures.
register("crypto-kat", main: "CryptoKnownAnswers", devices: [.monotonicClock], keys: [bench, seconds],
         packages: ["SwiftletCrypto"])
