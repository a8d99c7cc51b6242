import SwiftletConfig

let status = Key.int("status", default: 0, doc: "The exit status start() returns.")
let fail = Key.bool("fail", default: false, doc: "Throw from start() instead.")

register("exit-status", main: "ExitStatus", keys: [status, fail])
