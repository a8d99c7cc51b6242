// Applications import SwiftletRuntime; this makes `Task`, `withTaskGroup` and friends visible
// to them on every target (Embedded Swift does not import _Concurrency implicitly).
@_exported import _Concurrency
