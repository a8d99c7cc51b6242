import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift

/// Tasks waiting for something another task will signal: data arriving on a socket, room in a
/// send buffer, a frame on an in-memory link.
///
/// Swiftlet runs every task on one thread, so there is no lock. But calling an async function
/// can itself suspend (an executor hop), so "check the condition, then wait" is not atomic: a
/// signal may come in between. So waiters note the ``generation`` before checking, and
/// ``wait(after:)`` returns at once if a signal came since:
///
/// ```swift
/// while true {
///     let seen = arrivals.generation
///     if let frame = queue.popFirst() { return frame }
///     await arrivals.wait(after: seen)
/// }
/// ```
public final class WaitQueue {
    private var waiters: [UnsafeContinuation<Void, Never>] = []

    /// How many times ``wakeAll()`` has been called (wrapping).
    public private(set) var generation: UInt64 = 0

    /// Creates an empty queue.
    public init() {}

    /// Whether any task is waiting.
    public var isEmpty: Bool { waiters.isEmpty }

    /// Suspends the calling task until the next ``wakeAll()``, unless one came after the
    /// caller read ``generation`` as `seen`.
    public func wait(after seen: UInt64) async {
        await withUnsafeContinuation { continuation in
            if generation != seen {
                continuation.resume()
            } else {
                waiters.append(continuation)
            }
        }
    }

    /// Resumes every waiting task.
    public func wakeAll() {
        generation &+= 1
        guard !waiters.isEmpty else { return }
        let woken = waiters
        waiters.removeAll()
        for continuation in woken { continuation.resume() }
    }
}
