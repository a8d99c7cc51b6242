import SwiftletConfig

// Hello needs a time device to sleep with; each target provides its own.
register("hello", main: "Hello", devices: [.time])
