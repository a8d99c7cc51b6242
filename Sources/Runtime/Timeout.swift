import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// Races an operation that cannot be cancelled (a TCP connect, a read) against a timer, on
/// the cooperative executor: `operation` runs in a task of its own, and the caller resumes
/// with its result or, once `duration` has passed on `time`, with `timeoutError`. An
/// operation that succeeds too late hands its value to `late` (to close a connection that was
/// opened after all).
///
/// ```swift
/// let connection = try await withTimeout(.seconds(5), on: time, spawn: { loop.spawn($0) },
///                                        error: HTTPClientError.timedOut, late: { await $0.close() }) {
///     () async throws(HTTPClientError) in try await connect()
/// }
/// ```
public func withTimeout<Time: TimeDevice, Value, Failure: Error>(
    _ duration: Duration, on time: Time, spawn: (@escaping () async -> Void) -> Void, error timeoutError: Failure,
    late: @escaping (Value) async -> Void = { _ in },
    _ operation: @escaping () async throws(Failure) -> Value
) async throws(Failure) -> Value {
    let race = TimeoutRace<Value, Failure>()
    spawn {
        do throws(Failure) {
            let value = try await operation()
            if !race.finish(.success(value)) { await late(value) }
        } catch {
            _ = race.finish(.failure(error))
        }
    }
    spawn {
        await time.sleep(for: duration)
        _ = race.finish(.failure(timeoutError))
    }
    await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
        if race.outcome != nil { continuation.resume() } else { race.continuation = continuation }
    }
    switch race.outcome! {
    case .success(let value): return value
    case .failure(let error): throw error
    }
}

/// The first result of a ``withTimeout(_:on:spawn:error:late:_:)`` race, and its waiter.
final class TimeoutRace<Value, Failure: Error> {
    var outcome: Result<Value, Failure>?
    var continuation: UnsafeContinuation<Void, Never>?

    /// Records `result` if it is the first; returns whether it was.
    func finish(_ result: Result<Value, Failure>) -> Bool {
        guard outcome == nil else { return false }
        outcome = result
        continuation?.resume()
        continuation = nil
        return true
    }
}
