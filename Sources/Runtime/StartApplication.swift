/// Runs an application's `start` and turns its outcome into an exit status: 0 when it returns,
/// 1 when it throws (after logging the error). A `start` that returns an `Int32` chooses the status.
///
/// The generated `main.swift` calls this, so an application's `start` may be any of
/// `async`, `async throws(E)` or `async -> Int32`.
public func startApplication(_ start: () async -> Void) async -> Int32 {
    await start()
    return 0
}

/// Runs a `start` that chooses its own exit status.
public func startApplication(_ start: () async -> Int32) async -> Int32 {
    await start()
}

/// Runs a throwing `start`; an error is logged and exits with status 1.
public func startApplication<Failure: Error>(_ start: () async throws(Failure) -> Void) async -> Int32 {
    do {
        try await start()
        return 0
    } catch {
        Log.error("start() failed with an error; exiting with status 1")
        return 1
    }
}

/// Runs a throwing `start` whose errors describe themselves; the description is logged.
public func startApplication<Failure: Error & CustomStringConvertible>(_ start: () async throws(Failure) -> Void) async -> Int32 {
    do {
        try await start()
        return 0
    } catch {
        Log.error("start() failed: \(error.description)")
        return 1
    }
}
