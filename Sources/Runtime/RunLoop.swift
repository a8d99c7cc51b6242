import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// Swiftlet's executor: one thread, cooperative, the same on every target.
///
/// It runs every job of the application's tasks in turn. When no job is runnable it blocks in
/// the platform's ``Platform/yield(until:interests:)`` until the next timer is due or a handle a
/// task waits on becomes ready, so an idle unikernel uses no CPU.
///
/// Tasks wait on it through ``sleep(until:)`` (what ``TimeDevice`` implementations use) and
/// ``waitUntilReady(_:)`` (what device drivers use).
public final class RunLoop<P: Platform>: SerialExecutor, TaskExecutor, @unchecked Sendable {
    /// The platform the loop waits on.
    public let platform: P

    private var readyJobs = RingBuffer<UnownedJob>()
    private var timers = TimerHeap<Wakeup>()
    private var ioWaiters: [IOInterest: [UnsafeContinuation<Void, Never>]] = [:]

    /// How many jobs run between two looks at timers and I/O, so a busy task cannot starve them.
    private let jobsPerTurn = 64

    /// Counters for tests and diagnostics.
    public private(set) var jobsRun = 0
    /// How many times the loop blocked in the platform's `yield`.
    public private(set) var yields = 0

    /// Creates a loop over `platform`.
    public init(platform: P) {
        self.platform = platform
    }

    // MARK: Executor

    /// Queues a job; called by the concurrency runtime, on any thread.
    public func enqueue(_ job: UnownedJob) {
        // On unix a job can be resumed by a host thread (a Dispatch timer behind `Task.sleep`,
        // a C callback): the platform carries it over and wakes the loop.
        guard platform.isOnLoopThread() else {
            platform.handOver(job)
            return
        }
        readyJobs.append(job)
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    // MARK: Waiting

    /// What a timer wakes: a task suspended in ``sleep(until:)``, or a job the concurrency
    /// runtime asked to run later (`Task.sleep` on the unikernel targets).
    private enum Wakeup {
        case task(UnsafeContinuation<Void, Never>)
        case job(UnownedJob)
    }

    /// Queues `job` to run once the monotonic clock reaches `deadline`.
    public func enqueue(_ job: UnownedJob, at deadline: MonotonicInstant) {
        timers.insert(.job(job), deadline: deadline)
    }

    /// Suspends the calling task until the monotonic clock reaches `deadline`. A deadline in
    /// the past still lets every other runnable task go first.
    public func sleep(until deadline: MonotonicInstant) async {
        await withUnsafeContinuation { continuation in
            timers.insert(.task(continuation), deadline: deadline)
        }
    }

    /// Suspends the calling task until the platform reports `interest` ready.
    public func waitUntilReady(_ interest: IOInterest) async {
        await withUnsafeContinuation { continuation in
            if ioWaiters[interest] == nil {
                ioWaiters[interest] = [continuation]
                if platform.watchesInterests { platform.watch(interest) }
            } else {
                ioWaiters[interest]!.append(continuation)
            }
        }
    }

    /// Starts `body` as a new task on this loop: what drivers and stacks use for their
    /// background work (a receive loop, a timer). Works on every platform, including test
    /// platforms whose global queue is not the loop.
    public func spawn(_ body: @escaping () async -> Void) {
        if platform.ownsGlobalQueue {
            Task { await body() }
        } else {
            Task(executorPreference: self) { await body() }
        }
    }

    // MARK: Running

    /// Why ``run(_:)`` ended without the main task finishing.
    public enum Stall: Error, Equatable {
        /// Nothing was runnable and nothing could wake a task: the main task waits forever.
        case deadlock
    }

    /// Runs `main` as the main task, and every task it starts, until `main` returns.
    /// Returns `main`'s result, or throws ``Stall/deadlock`` when the main task can never resume.
    public func run(_ main: @escaping () async -> Int32) throws(Stall) -> Int32 {
        var status: Int32? = nil
        platform.willRun(self)
        if platform.ownsGlobalQueue {
            Task { status = await main() }
        } else {
            Task(executorPreference: self) { status = await main() }
        }
        while true {
            platform.beginTurn()
            runReadyJobs()
            if let status { return status }
            fireExpiredTimers()
            if !readyJobs.isEmpty {
                // Still busy: look at I/O without blocking so it is not starved.
                if !ioWaiters.isEmpty {
                    ConsoleBuffer.flush()
                    wake(platform.yield(until: MonotonicInstant(nanoseconds: 0), interests: waitedInterests))
                }
                continue
            }
            let deadline = timers.nextDeadline
            if deadline == nil && ioWaiters.isEmpty && !platform.hasExternalWakeups {
                throw .deadlock
            }
            yields += 1
            // What this turn logged goes out in one write before the loop may block.
            ConsoleBuffer.flush()
            wake(platform.yield(until: deadline, interests: waitedInterests))
        }
    }

    /// What tasks wait on, for a platform that does not keep the set itself.
    private var waitedInterests: [IOInterest] { platform.watchesInterests ? [] : Array(ioWaiters.keys) }

    private func runReadyJobs() {
        var budget = jobsPerTurn
        while budget > 0, let job = readyJobs.popFirst() {
            job.runSynchronously(on: asUnownedSerialExecutor())
            jobsRun += 1
            budget -= 1
        }
    }

    private func fireExpiredTimers() {
        guard !timers.isEmpty else { return }
        let now = platform.loopTime()
        while let wakeup = timers.popExpired(now: now) {
            switch wakeup {
            case .task(let continuation): continuation.resume()
            case .job(let job): readyJobs.append(job)
            }
        }
    }

    private func wake(_ ready: [IOInterest]) {
        for interest in ready {
            guard let waiters = ioWaiters.removeValue(forKey: interest) else { continue }
            for continuation in waiters { continuation.resume() }
        }
    }
}
