import SwiftletConfig

// A unikernel that needs no devices: it starts and exits with status 0.
register("noop", main: "Noop")
