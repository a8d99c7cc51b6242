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
    let race = FirstResult<Value, Failure>()
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
    switch await race.wait() {
    case .success(let value): return value
    case .failure(let error): throw error
    }
}

/// The first of several results that race (an operation and a timer): later ones are
/// refused, and one task can wait for the first.
///
/// ```swift
/// let race = FirstResult<[UInt8]?, NetError>()
/// spawn { _ = race.finish(Result { () throws(NetError) in try await connection.read(maxLength: 4096) }) }
/// spawn { await time.sleep(for: .seconds(5)); _ = race.finish(.failure(.timedOut)) }
/// let bytes = try await race.wait().get()
/// ```
public final class FirstResult<Value, Failure: Error> {
    /// The first result, once there is one.
    public private(set) var outcome: Result<Value, Failure>?
    private var continuation: UnsafeContinuation<Void, Never>?

    /// A race with no result yet.
    public init() {}

    /// Records `result` if it is the first and wakes the waiter; returns whether it was first.
    public func finish(_ result: Result<Value, Failure>) -> Bool {
        guard outcome == nil else { return false }
        outcome = result
        continuation?.resume()
        continuation = nil
        return true
    }

    /// Waits for the first result (one waiter at a time).
    public func wait() async -> Result<Value, Failure> {
        if outcome == nil {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                if outcome != nil { continuation.resume() } else { self.continuation = continuation }
            }
        }
        return outcome!
    }
}
