import SwiftletDevices

/// A min-heap of timers ordered by deadline, then by insertion, so that timers with the same
/// deadline fire in the order they were set. The run loop keeps its sleepers in one; the
/// network stack its connections' timers (with lazy deletion: stale entries are skipped).
public struct TimerHeap<Payload> {
    private struct Entry {
        var deadline: MonotonicInstant
        var sequence: UInt64
        var payload: Payload

        func fires(before other: Entry) -> Bool {
            (deadline, sequence) < (other.deadline, other.sequence)
        }
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0

    /// An empty heap.
    public init() {}

    /// Whether no timer is set.
    public var isEmpty: Bool { entries.isEmpty }
    /// How many timers are set.
    public var count: Int { entries.count }

    /// The earliest deadline.
    public var nextDeadline: MonotonicInstant? { entries.first?.deadline }

    /// Removes every timer.
    public mutating func removeAll() { entries.removeAll() }

    /// Sets a timer for `payload` at `deadline`.
    public mutating func insert(_ payload: Payload, deadline: MonotonicInstant) {
        entries.append(Entry(deadline: deadline, sequence: nextSequence, payload: payload))
        nextSequence += 1
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].fires(before: entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest timer if its deadline is at or before `now`.
    public mutating func popExpired(now: MonotonicInstant) -> Payload? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < entries.count, entries[left].fires(before: entries[smallest]) { smallest = left }
                if right < entries.count, entries[right].fires(before: entries[smallest]) { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first.payload
    }
}
