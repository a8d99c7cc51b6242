import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift

/// Tasks waiting for something another task will signal: data arriving on a socket, room in a
/// send buffer, a frame on an in-memory link.
///
/// Swiftlet runs every task on one thread, so there is no lock: a waiter checks its condition,
/// and if it does not hold, calls ``wait()``; whoever changes the condition calls ``wakeAll()``.
/// Waiters recheck their condition after waking (another task may have got there first).
public final class WaitQueue {
    private var waiters: [UnsafeContinuation<Void, Never>] = []

    /// Creates an empty queue.
    public init() {}

    /// Whether any task is waiting.
    public var isEmpty: Bool { waiters.isEmpty }

    /// Suspends the calling task until the next ``wakeAll()``.
    public func wait() async {
        await withUnsafeContinuation { continuation in waiters.append(continuation) }
    }

    /// Resumes every waiting task.
    public func wakeAll() {
        guard !waiters.isEmpty else { return }
        let woken = waiters
        waiters.removeAll()
        for continuation in woken { continuation.resume() }
    }
}
