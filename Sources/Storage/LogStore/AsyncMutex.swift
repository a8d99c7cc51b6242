import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift

/// A lock for tasks on Swiftlet's single-threaded executor: the holder may suspend (at a disk
/// write) and other tasks that want the lock wait, in arrival order, without blocking the thread.
///
/// The log store takes it around every change, so two `set`s cannot interleave their appends.
/// Like everything run by the executor, it is not meant to be shared between threads.
///
/// ```swift
/// await mutex.lock()
/// defer { mutex.unlock() }
/// try await appendRecord()
/// ```
final class AsyncMutex {
    private var isLocked = false
    private var waiters: [UnsafeContinuation<Void, Never>] = []

    /// An unlocked mutex.
    init() {}

    /// Takes the lock, waiting for the tasks that asked before.
    func lock() async {
        if !isLocked {
            isLocked = true
            return
        }
        // The check above and the append below run without a suspension in between.
        await withUnsafeContinuation { continuation in
            waiters.append(continuation)
        }
    }

    /// Releases the lock, handing it straight to the longest waiting task if there is one.
    func unlock() {
        if waiters.isEmpty {
            isLocked = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
