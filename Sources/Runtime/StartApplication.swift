import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift

/// Runs an application's `start` and turns its outcome into the unikernel's exit status.
///
/// The generated `main.swift` calls this, so `start` may have any of these shapes:
/// `async`, `async -> Int32`, `async throws(E)`, `async throws(E) -> Int32`.
/// Returning `Void` exits with 0; returning an `Int32` chooses the status; throwing logs the
/// error (its description, when it has one) and exits with 1.
public func startApplication(_ start: () async -> Void) async -> Int32 {
    await start()
    return 0
}

/// Runs a `start` that chooses its own exit status.
public func startApplication(_ start: () async -> Int32) async -> Int32 {
    await start()
}

/// Runs a throwing `start`.
public func startApplication<Failure: Error>(_ start: () async throws(Failure) -> Void) async -> Int32 {
    await run(start, describing: { _ in nil })
}

/// Runs a throwing `start` that chooses its own exit status.
public func startApplication<Failure: Error>(_ start: () async throws(Failure) -> Int32) async -> Int32 {
    await run(start, describing: { _ in nil })
}

/// Runs a throwing `start` whose errors describe themselves.
public func startApplication<Failure: Error & CustomStringConvertible>(_ start: () async throws(Failure) -> Void) async -> Int32 {
    await run(start, describing: { $0.description })
}

/// Runs a throwing `start` that chooses its own exit status and whose errors describe themselves.
public func startApplication<Failure: Error & CustomStringConvertible>(_ start: () async throws(Failure) -> Int32) async -> Int32 {
    await run(start, describing: { $0.description })
}

private func run<Failure: Error>(_ start: () async throws(Failure) -> Void, describing: (Failure) -> String?) async -> Int32 {
    await run({ () async throws(Failure) -> Int32 in try await start(); return 0 }, describing: describing)
}

// Embedded Swift cannot describe an arbitrary error, so the caller says how (or that it cannot).
private func run<Failure: Error>(_ start: () async throws(Failure) -> Int32, describing: (Failure) -> String?) async -> Int32 {
    do {
        return try await start()
    } catch {
        Log.error("start() failed" + (describing(error).map { ": " + $0 } ?? " with an error") + "; exiting with status 1")
        return 1
    }
}
