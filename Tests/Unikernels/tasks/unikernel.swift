import SwiftletDevices
import SwiftletRuntime
#if canImport(Glibc)
import Glibc
#endif

/// Checks that every way of making concurrent work runs on the run loop's one thread.
struct Tasks<Time: TimeDevice, Clock: MonotonicClock> {
    let time: Time
    let monotonicClock: Clock

    func start() async -> Int32 {
        var failures: [String] = []
        let loopThread = pthread_self()
        func onLoopThread() -> Bool { pthread_equal(pthread_self(), loopThread) != 0 }

        // An unstructured task.
        let unstructured = Task { onLoopThread() }
        if !(await unstructured.value) { failures.append("Task {} ran on another thread") }

        // Structured children.
        async let child = onLoopThread()
        if !(await child) { failures.append("async let ran on another thread") }
        let all = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 { group.addTask { onLoopThread() } }
            return await group.reduce(true) { $0 && $1 }
        }
        if !all { failures.append("a task group child ran on another thread") }

        // The standard library's sleep comes back to the loop, and takes about as long as asked.
        let before = monotonicClock.now()
        try? await Task.sleep(for: .milliseconds(50))
        let slept = monotonicClock.now() - before
        if !onLoopThread() { failures.append("Task.sleep resumed on another thread") }
        if slept < .milliseconds(50) || slept > .milliseconds(500) { failures.append("Task.sleep(50 ms) took \(slept)") }

        // The time device's sleep.
        let start = monotonicClock.now()
        await time.sleep(for: .milliseconds(100))
        let elapsed = monotonicClock.now() - start
        if elapsed < .milliseconds(100) || elapsed > .milliseconds(300) { failures.append("sleep(100 ms) took \(elapsed)") }

        // Main-actor code runs on the loop too.
        let mainActorOK = await MainActorProbe.check(loopThread)
        if !mainActorOK { failures.append("@MainActor code ran on another thread") }

        // A continuation resumed from a host thread wakes the loop, and the task goes on on the loop.
        let resumedOnLoop = await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            var thread = pthread_t()
            let box = Unmanaged.passRetained(ContinuationBox(continuation))
            pthread_create(&thread, nil, { argument in
                usleep(20_000)
                Unmanaged<ContinuationBox>.fromOpaque(argument!).takeRetainedValue().continuation.resume()
                return nil
            }, box.toOpaque())
            pthread_detach(thread)
        }
        _ = resumedOnLoop
        if !onLoopThread() { failures.append("a continuation resumed by a host thread continued on that thread") }

        for failure in failures { Log.error(failure) }
        if failures.isEmpty { print("SUCCESS: tasks") }
        return failures.isEmpty ? 0 : 1
    }
}

final class ContinuationBox {
    let continuation: CheckedContinuation<Void, Never>
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
}

@MainActor enum MainActorProbe {
    static func check(_ loopThread: pthread_t) -> Bool { pthread_equal(pthread_self(), loopThread) != 0 }
}
