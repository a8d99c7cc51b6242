import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A handle the platform can report as ready, and for which direction.
///
/// On unix the handle is a file descriptor; on Solo5-style platforms it is a device handle.
public struct IOInterest: Hashable, Sendable {
    /// Which readiness a task waits for.
    public enum Direction: Hashable, Sendable {
        /// Data can be read (or a connection accepted).
        case readable
        /// Data can be written.
        case writable
    }

    /// The platform's handle: a file descriptor, or a Solo5 device handle.
    public var handle: Int32
    /// What the task waits for.
    public var direction: Direction

    /// Creates an interest in `handle` becoming ready for `direction`.
    public init(handle: Int32, direction: Direction) {
        self.handle = handle
        self.direction = direction
    }
}

/// The platform interface: everything Swiftlet needs from the target it runs on.
///
/// Every binding (unix, spt, hvt, virtio) implements this and nothing else; everything above
/// it is written against it. It is modelled on Solo5's `solo5.h`: ``yield(until:interests:)``
/// is the only blocking call.
///
/// Rules every binding MUST follow:
/// - ``monotonicNow()`` never goes backwards.
/// - ``yield(until:interests:)`` returns no later than shortly after `deadline` (when given),
///   and as soon as any interest is ready; it MAY return early with nothing ready.
/// - ``exit(status:)`` does not return; buffered console output is written first.
public protocol Platform: AnyObject {
    /// The runtime arguments given to the unikernel (program name excluded).
    var arguments: [String] { get }

    /// The monotonic clock.
    func monotonicNow() -> MonotonicInstant

    /// The wall clock, in UTC.
    func wallClockNow() -> WallClockTime

    /// Writes bytes to the console, as is.
    func writeConsole(_ bytes: UnsafeRawBufferPointer)

    /// Blocks until `deadline` passes, one of `interests` is ready, or (on platforms with
    /// ``hasExternalWakeups``) work arrives from outside; `nil` means no deadline.
    /// Returns the interests that are ready.
    func yield(until deadline: MonotonicInstant?, interests: [IOInterest]) -> [IOInterest]

    /// Whether something other than timers and ``IOInterest``s can wake ``yield(until:interests:)``
    /// (on unix: jobs enqueued by threads of the host). When `false`, a run loop with no timers
    /// and no interests knows its tasks can never make progress.
    var hasExternalWakeups: Bool { get }

    /// The monotonic clock as the run loop and the network stack read it for their timers:
    /// a binding whose clock costs a system call reads it once per turn of the loop (a bounded
    /// batch of jobs, then timers, then a wait) and answers from that reading until
    /// ``beginTurn()``, as event loops such as libuv do. Applications' clocks use
    /// ``monotonicNow()``, which is always current.
    func loopTime() -> MonotonicInstant

    /// Called by ``RunLoop/run(_:)`` at the start of every turn: ``loopTime()`` moves on.
    func beginTurn()

    /// Called by ``RunLoop/run(_:)`` on the loop's thread before the first job runs, so the
    /// binding can note that thread and route the Swift concurrency runtime's queues to `loop`.
    func willRun(_ loop: RunLoop<Self>)

    /// Whether the concurrency runtime's global queue is already the run loop (the binding
    /// implements or redirects the runtime's executor). When it is not — tests sharing a process
    /// with a test runner — the loop pins its main task to itself with a task-executor preference,
    /// which the Embedded runtime does not support.
    var ownsGlobalQueue: Bool { get }

    /// Whether the caller is on the run loop's thread. Platforms without host threads (every
    /// unikernel target) always are.
    func isOnLoopThread() -> Bool

    /// Takes a job enqueued by another host thread. The platform MUST make ``yield(until:interests:)``
    /// return and pass the job to the loop's ``RunLoop/enqueue(_:)`` on the loop's thread.
    func handOver(_ job: UnownedJob)

    /// Ends the unikernel with `status`.
    func exit(status: Int32) -> Never

    /// Fills `buffer` from the platform's entropy source (unix: `getrandom`; Solo5 targets:
    /// RDSEED/RDRAND); `false` if it has none. This seeds generators (SwiftletCrypto's
    /// `PlatformRandom`, the stack's secrets); applications use a `random` device.
    func fillEntropy(_ buffer: UnsafeMutableRawBufferPointer) -> Bool

    /// What to add to give the unikernel an entropy source, for the message that refuses to
    /// start without one.
    var entropyAdvice: String { get }
}

extension Platform {
    public var hasExternalWakeups: Bool { false }
    public func willRun(_ loop: RunLoop<Self>) {}
    public func beginTurn() {}
    public func loopTime() -> MonotonicInstant { monotonicNow() }
    public var ownsGlobalQueue: Bool { false }
    public func isOnLoopThread() -> Bool { true }
    public func handOver(_ job: UnownedJob) {
        fatalError("a job was enqueued from another thread on a platform without threads")
    }
    public func fillEntropy(_ buffer: UnsafeMutableRawBufferPointer) -> Bool { false }
    public var entropyAdvice: String { "a platform with an entropy source" }

    /// `count` bytes of entropy; without a source, refuses to go on: prints what to add and
    /// exits with status 1 (never a clock-seeded substitute).
    public func requireEntropy(count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = bytes.withUnsafeMutableBytes { fillEntropy($0) }
        if !filled {
            writeConsole("Swiftlet: this unikernel needs random numbers and has no entropy source; add \(entropyAdvice)\n")
            exit(status: 1)
        }
        return bytes
    }

    /// Writes `text` to the console as UTF-8.
    public func writeConsole(_ text: String) {
        // Native strings are contiguous UTF-8; the copy is for the rare bridged one, and avoids
        // linking `withUTF8`'s UTF-16 path into every image.
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { writeConsole(UnsafeRawBufferPointer($0)) }
        if written == nil {
            Array(text.utf8).withUnsafeBytes { writeConsole($0) }
        }
    }
}
