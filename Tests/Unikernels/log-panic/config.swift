import SwiftletConfig

let panic = Key.bool("panic", default: false, doc: "Trap with fatalError after logging, instead of returning 3.")
let warn = Key.bool("warn", default: false, doc: "Log a warning (written at once) before the end.")

register("log-panic", main: "LogPanic", keys: [panic, warn])
