import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices
import SwiftletRuntime

/// Opens the key-value store `name` for the generated `main.swift`, or ends the unikernel with
/// a message saying what failed (status 1): a store that cannot be opened is a deployment
/// mistake (a missing or wrong disk image) the operator must see, not a trap.
///
/// ```swift
/// let kv = await openStoreOrExit("kv", kind: "tar", loop: loop) { () async throws(KVError) in
///     try await TarStore.open(block)
/// }
/// ```
public func openStoreOrExit<Store, P: Platform>(_ name: String, kind: String, loop: RunLoop<P>,
                                                 _ open: () async throws(KVError) -> Store) async -> Store {
    do {
        return try await open()
    } catch {
        Logger(source: "kv").error("cannot open the \(kind) key-value store '\(name)': \(error.description)")
        loop.platform.exit(status: 1)
    }
}
