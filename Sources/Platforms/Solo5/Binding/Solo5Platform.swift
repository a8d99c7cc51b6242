import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import CSwiftletSolo5
import SwiftletDevices
import SwiftletRuntime

/// The platform of Swiftlet's Solo5 targets (spt, hvt): the Solo5 guest interface, which the
/// target's C bindings implement over system calls (spt) or hypercalls (hvt).
///
/// There are no host threads here: the concurrency runtime's queues are the run loop
/// (see the entry points at the end of this file), and `yield` is `solo5_yield`.
public final class Solo5Platform: Platform {
    public let arguments: [String]

    /// The platform of this unikernel, with the arguments its tender passed.
    public init() {
        arguments = splitCommandLine(String(cString: swiftlet_cmdline()))
    }

    public func monotonicNow() -> MonotonicInstant {
        MonotonicInstant(nanoseconds: solo5_clock_monotonic())
    }

    /// Read once per run-loop turn: on spt every reading is a system call, and the stack and
    /// the run loop ask several times per packet.
    public func loopTime() -> MonotonicInstant {
        if !turnTimeIsCurrent {
            turnTime = monotonicNow()
            turnTimeIsCurrent = true
        }
        return turnTime
    }

    public func beginTurn() { turnTimeIsCurrent = false }

    private var turnTime = MonotonicInstant(nanoseconds: 0)
    private var turnTimeIsCurrent = false

    /// RDSEED/RDRAND (the CShim's entropy.c).
    public func fillEntropy(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        buffer.isEmpty || swiftlet_entropy_fill(buffer.baseAddress, buffer.count) == 1
    }

    public var entropyAdvice: String { String(cString: swiftlet_entropy_advice()) }

    public func wallClockNow() -> WallClockTime {
        let now = solo5_clock_wall()
        return WallClockTime(secondsSinceEpoch: Int64(now / 1_000_000_000), nanoseconds: UInt32(now % 1_000_000_000))
    }

    public func writeConsole(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        solo5_console_write(base.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    public func yield(until deadline: MonotonicInstant?, interests: [IOInterest]) -> [IOInterest] {
        var ready: solo5_handle_set_t = 0
        solo5_yield(deadline?.nanoseconds ?? .max, &ready)
        // Solo5 devices are always writable; reads are ready when their handle is in the set.
        return interests.filter { interest in
            interest.direction == .writable
                || (0..<64).contains(interest.handle) && ready & (1 << UInt64(interest.handle)) != 0
        }
    }

    public var ownsGlobalQueue: Bool { true }

    public func willRun(_ loop: RunLoop<Solo5Platform>) {
        runningLoop = loop
    }

    public func exit(status: Int32) -> Never {
        solo5_exit(status)
    }
}

// MARK: The concurrency runtime's executor entry points
//
// The Embedded Swift concurrency runtime leaves its global executor to the program. These are
// its hooks (Swift calling convention), all served by the one run loop.

nonisolated(unsafe) var runningLoop: RunLoop<Solo5Platform>?

private func loop() -> RunLoop<Solo5Platform> {
    guard let loop = runningLoop else { fatalError("a task was started before the run loop") }
    return loop
}

@_silgen_name("swift_task_enqueueGlobalImpl")
func enqueueGlobal(_ job: UnownedJob) {
    loop().enqueue(job)
}

@_silgen_name("swift_task_enqueueMainExecutorImpl")
func enqueueMainExecutor(_ job: UnownedJob) {
    loop().enqueue(job)
}

@_silgen_name("swift_task_enqueueGlobalWithDelayImpl")
func enqueueGlobal(delay nanoseconds: UInt64, _ job: UnownedJob) {
    let loop = loop()
    loop.enqueue(job, at: loop.platform.loopTime() + .nanoseconds(Int64(clamping: nanoseconds)))
}

@_silgen_name("swift_task_enqueueGlobalWithDeadlineImpl")
func enqueueGlobal(seconds: Int64, nanoseconds: Int64, toleranceSeconds: Int64, toleranceNanoseconds: Int64,
                   clock: Int32, _ job: UnownedJob) {
    // Both of the runtime's clocks (continuous, suspending) are the monotonic clock here.
    let deadline = seconds < 0 ? 0 : UInt64(seconds) &* 1_000_000_000 &+ UInt64(max(0, nanoseconds))
    loop().enqueue(job, at: MonotonicInstant(nanoseconds: deadline))
}

@_silgen_name("swift_task_getMainExecutorImpl")
func mainExecutor() -> UnownedSerialExecutor {
    loop().asUnownedSerialExecutor()
}

@_silgen_name("swift_task_isMainExecutorImpl")
func isMainExecutor(_ executor: UnownedSerialExecutor) -> Bool {
    true  // the run loop is the only executor
}

@_silgen_name("swift_task_checkIsolatedImpl")
func checkIsolated(_ executor: UnownedSerialExecutor) {}

@_silgen_name("swift_task_isIsolatingCurrentContextImpl")
func isIsolatingCurrentContext(_ executor: UnownedSerialExecutor) -> Int8 {
    1  // one thread: whatever runs is isolated
}

@_silgen_name("swift_task_donateThreadToGlobalExecutorUntilImpl")
func donateThread(until condition: @convention(c) (UnsafeMutableRawPointer?) -> Bool, _ context: UnsafeMutableRawPointer?) {
    fatalError("swift_task_donateThreadToGlobalExecutorUntil is not supported")
}

@_silgen_name("swift_task_asyncMainDrainQueueImpl")
func asyncMainDrainQueue() {
    fatalError("async main is not used on Solo5 targets: the generated main runs the run loop")
}
