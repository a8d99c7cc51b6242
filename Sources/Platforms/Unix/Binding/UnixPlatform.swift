#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import CSwiftletUnix
import SwiftletDevices
import SwiftletRuntime

/// The unix target's platform: a Linux process. Clocks are `clock_gettime`, the console is
/// standard output, and ``yield(until:interests:)`` is `ppoll` on the file descriptors tasks
/// wait on plus an eventfd that other threads use to hand jobs to the run loop.
public final class UnixPlatform: Platform, @unchecked Sendable {
    public let arguments: [String]

    /// Jobs enqueued by threads other than the loop's (e.g. `Task.sleep`'s timer thread).
    private let inbox = Mutex<[UnownedJob]>([])
    private let wakeDescriptor: Int32
    private var loopThread: pthread_t?
    private var enqueueOnLoop: ((UnownedJob) -> Void)?
    private let routesGlobalQueues: Bool

    /// A platform for this process, taking runtime arguments from `arguments` (program name
    /// excluded). With `routesGlobalQueues` (the default for unikernels), every task of the
    /// process runs on the run loop; tests that share the process with a test runner turn it off.
    public init(arguments: [String] = Array(CommandLine.arguments.dropFirst()), routesGlobalQueues: Bool = true) {
        self.arguments = arguments
        self.routesGlobalQueues = routesGlobalQueues
        wakeDescriptor = swiftlet_eventfd()
        // Line-buffered, so `print` output is not lost when the program dies, even into a pipe.
        setvbuf(stdout, nil, _IOLBF, 0)
        precondition(wakeDescriptor >= 0, "eventfd failed: errno \(errno)")
    }

    deinit { close(wakeDescriptor) }

    public func monotonicNow() -> MonotonicInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicInstant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    public func wallClockNow() -> WallClockTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallClockTime(secondsSinceEpoch: Int64(spec.tv_sec), nanoseconds: UInt32(spec.tv_nsec))
    }

    public func writeConsole(_ bytes: UnsafeRawBufferPointer) {
        fflush(stdout)  // keep `print` output and console writes in order
        var offset = 0
        while offset < bytes.count {
            let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return  // stdout is gone (closed pipe): nothing sensible left to do with output
            }
            offset += written
        }
    }

    public var hasExternalWakeups: Bool { true }

    public func yield(until deadline: MonotonicInstant?, interests: [IOInterest]) -> [IOInterest] {
        var descriptors = [pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        for interest in interests {
            let events = interest.direction == .readable ? POLLIN : POLLOUT
            descriptors.append(pollfd(fd: interest.handle, events: Int16(events), revents: 0))
        }
        var timeout = timespec()
        if let deadline {
            let now = monotonicNow()
            let wait = deadline > now ? deadline.nanoseconds - now.nanoseconds : 0
            timeout = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
        }
        let count = deadline == nil
            ? swiftlet_ppoll(&descriptors, UInt(descriptors.count), nil)
            : swiftlet_ppoll(&descriptors, UInt(descriptors.count), &timeout)
        guard count > 0 else { return [] }
        if descriptors[0].revents != 0 { drainInbox() }
        var ready: [IOInterest] = []
        for (interest, descriptor) in zip(interests, descriptors.dropFirst()) where descriptor.revents != 0 {
            // Errors and hang-ups wake the waiter too: its next read or write reports them.
            ready.append(interest)
        }
        return ready
    }

    public func willRun(_ loop: RunLoop<UnixPlatform>) {
        loopThread = pthread_self()
        enqueueOnLoop = { [unowned loop] job in loop.enqueue(job) }
        if routesGlobalQueues { ConcurrencyHooks.install(loop) }
    }

    public var ownsGlobalQueue: Bool { routesGlobalQueues }

    public func isOnLoopThread() -> Bool {
        guard let loopThread else { return true }
        return pthread_equal(loopThread, pthread_self()) != 0
    }

    public func handOver(_ job: UnownedJob) {
        inbox.withLock { $0.append(job) }
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, 8)
    }

    public func exit(status: Int32) -> Never {
        fflush(stdout)
        Glibc.exit(status)
    }

    private func drainInbox() {
        var counter: UInt64 = 0
        _ = read(wakeDescriptor, &counter, 8)
        let jobs = inbox.withLock { jobs in
            defer { jobs.removeAll() }
            return jobs
        }
        for job in jobs { enqueueOnLoop?(job) }
    }
}

/// Routes the Swift concurrency runtime's global and main-actor queues to our run loop, so
/// `Task {}`, `@MainActor` code and resumed continuations all run on the one loop thread,
/// exactly as on the unikernel targets (where the runtime has no other executor at all).
enum ConcurrencyHooks {
    typealias Original = @convention(thin) (UnownedJob) -> Void
    typealias Hook = @convention(thin) (UnownedJob, Original) -> Void
    typealias MainExecutorOriginal = @convention(thin) () -> UnownedSerialExecutor
    typealias MainExecutorHook = @convention(thin) (MainExecutorOriginal) -> UnownedSerialExecutor

    nonisolated(unsafe) static var loop: RunLoop<UnixPlatform>?

    static func install(_ loop: RunLoop<UnixPlatform>) {
        self.loop = loop
        // RunLoop.enqueue is safe from any thread: it hands foreign jobs to the platform.
        let hook: Hook = { job, _ in ConcurrencyHooks.loop!.enqueue(job) }
        for address in [swiftlet_enqueue_global_hook(), swiftlet_enqueue_main_executor_hook()] {
            UnsafeMutableRawPointer(address!).assumingMemoryBound(to: Hook?.self).pointee = hook
        }
        // The main actor's executor is the loop too, so @MainActor code runs there.
        let mainExecutor: MainExecutorHook = { _ in ConcurrencyHooks.loop!.asUnownedSerialExecutor() }
        UnsafeMutableRawPointer(swiftlet_get_main_executor_hook()!).assumingMemoryBound(to: MainExecutorHook?.self).pointee = mainExecutor
    }
}

extension UnixPlatform {
    /// The kernel's entropy pool (`getrandom`).
    public func fillEntropy(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var bytes = [UInt8](repeating: 0, count: buffer.count)
        var random = UnixRandom()
        random.fill(&bytes)
        buffer.copyBytes(from: bytes)
        return true
    }
}

/// Random bytes from the Linux kernel (`getrandom`).
public struct UnixRandom: RandomDevice {
    /// A generator reading the kernel's entropy pool.
    public init() {}

    public mutating func fill(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = swiftlet_getrandom(buffer.baseAddress! + offset, UInt(buffer.count - offset))
                if count < 0 { if errno == EINTR { continue }; fatalError("getrandom failed: errno \(errno)") }
                offset += Int(count)
            }
        }
    }

    public mutating func next() -> UInt64 {
        var bytes = [UInt8](repeating: 0, count: 8)
        fill(&bytes)
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
