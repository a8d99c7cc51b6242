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
/// standard output, and ``yield(until:interests:)`` is `epoll_pwait2` on the file descriptors
/// tasks wait on (armed one-shot as they start waiting) plus an eventfd that other threads use to hand jobs to the run loop.
public final class UnixPlatform: Platform, @unchecked Sendable {
    public let arguments: [String]

    /// Jobs enqueued by threads other than the loop's (e.g. `Task.sleep`'s timer thread).
    private let inbox = Mutex<[UnownedJob]>([])
    private let wakeDescriptor: Int32
    /// The epoll set of the descriptors tasks wait on (one-shot), and the wake descriptor.
    private let epoll: Int32
    /// The directions (1 readable, 2 writable) armed for each descriptor.
    private var armed: [Int32: UInt32] = [:]
    /// Descriptors added to the epoll set at some point.
    private var registered = Set<Int32>()
    /// Descriptors epoll refused, reported ready at the next wait.
    private var unwatchable: [Int32] = []
    private var readyEvents = [swiftlet_ready](repeating: swiftlet_ready(), count: 256)
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
        epoll = swiftlet_epoll_create()
        precondition(epoll >= 0, "epoll_create1 failed: errno \(-epoll)")
        _ = swiftlet_epoll_arm(epoll, wakeDescriptor, 1, 1, 0)
        // Line-buffered, so `print` output is not lost when the program dies, even into a pipe.
        setvbuf(stdout, nil, _IOLBF, 0)
        precondition(wakeDescriptor >= 0, "eventfd failed: errno \(errno)")
    }

    /// Where host sockets receive before the bytes are copied out at their size (one per loop,
    /// which runs one task at a time; see SocketStack's `read`).
    public private(set) lazy var receiveScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    deinit {
        close(wakeDescriptor)
        close(epoll)
        receiveScratch.deallocate()
    }

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

    public var watchesInterests: Bool { true }

    /// Arms `interest` in the epoll set (one-shot): a wait costs what is ready, not what is open.
    public func watch(_ interest: IOInterest) {
        let fd = interest.handle
        let bit: UInt32 = interest.direction == .readable ? 1 : 2
        let old = armed[fd] ?? 0
        guard old & bit == 0 else { return }
        armed[fd] = old | bit
        arm(fd, old | bit)
    }

    /// Registers `fd` for `directions`: MOD for a descriptor seen before, ADD for a new one (or a
    /// number the host reused after a close, which took the old registration with it).
    private func arm(_ fd: Int32, _ directions: UInt32) {
        var result: Int32
        if registered.contains(fd) {
            result = swiftlet_epoll_arm(epoll, fd, directions, 0, 1)
            if result == -ENOENT { result = swiftlet_epoll_arm(epoll, fd, directions, 1, 1) }
        } else {
            result = swiftlet_epoll_arm(epoll, fd, directions, 1, 1)
            if result == -EEXIST { result = swiftlet_epoll_arm(epoll, fd, directions, 0, 1) }
            if result == 0 { registered.insert(fd) }
        }
        // A descriptor epoll cannot watch (a regular file) is always ready, as poll says of it.
        if result < 0 { unwatchable.append(fd) }
    }

    public func yield(until deadline: MonotonicInstant?, interests: [IOInterest]) -> [IOInterest] {
        var timeout: Int64 = -1
        if let deadline {
            let now = monotonicNow()
            timeout = deadline > now ? Int64(deadline.nanoseconds - now.nanoseconds) : 0
        }
        if !unwatchable.isEmpty { timeout = 0 }
        let count = readyEvents.withUnsafeMutableBufferPointer { events in
            swiftlet_epoll_wait(epoll, events.baseAddress, Int32(events.count), timeout)
        }
        var ready: [IOInterest] = []
        for fd in unwatchable { report(fd, 3, into: &ready) }
        unwatchable.removeAll()
        guard count > 0 else { return ready }
        for event in readyEvents[..<Int(count)] {
            if event.fd == wakeDescriptor {
                drainInbox()
            } else {
                // Errors and hang-ups wake the waiter too: its next read or write reports them.
                report(event.fd, event.directions, into: &ready)
            }
        }
        return ready
    }

    /// Reports the armed directions of `fd` among `directions` and re-arms the rest.
    private func report(_ fd: Int32, _ directions: UInt32, into ready: inout [IOInterest]) {
        guard let wanted = armed[fd] else { return }
        let fired = wanted & directions
        if fired & 1 != 0 { ready.append(IOInterest(handle: fd, direction: .readable)) }
        if fired & 2 != 0 { ready.append(IOInterest(handle: fd, direction: .writable)) }
        let rest = wanted & ~fired
        if rest == 0 {
            armed[fd] = nil
        } else {
            armed[fd] = rest
            arm(fd, rest)  // the one-shot registration fired: arm what still waits
        }
    }

    public func willRun(_ loop: RunLoop<UnixPlatform>) {
        loopThread = pthread_self()
        enqueueOnLoop = { [unowned loop] job in loop.enqueue(job) }
        if routesGlobalQueues {
            ConcurrencyHooks.install(loop)
            swiftlet_flush_console_on_faults()
        }
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
        ConsoleBuffer.flush()
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
