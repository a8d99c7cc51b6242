/// Bytes received from the peer: the in-order bytes the application has not read yet, and
/// segments that arrived ahead of a gap, kept until the gap fills (and reported in SACK blocks).
struct ReceiveBuffer {
    /// A run of bytes received beyond RCV.NXT.
    struct Run {
        var start: SequenceNumber
        var bytes: [UInt8]
        var end: SequenceNumber { start + bytes.count }
    }

    private var storage: [UInt8] = []
    private var head = 0
    /// Out-of-order runs, sorted by sequence number, never overlapping or touching.
    private(set) var runs: [Run] = []
    /// The run the last out-of-order segment went into, reported first in SACK (RFC 2018 §4).
    private(set) var latestRunStart: SequenceNumber?
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// In-order bytes not yet read.
    var count: Int { storage.count - head }
    /// Room for in-order bytes: the receive window.
    var free: Int { max(0, capacity - count) }

    /// Takes up to `maxLength` bytes for the application.
    /// Reading everything hands over the storage itself: no copy, and an idle connection
    /// holds no receive memory.
    mutating func read(maxLength: Int) -> [UInt8] {
        let length = min(maxLength, count)
        if head == 0, length == storage.count {
            defer { storage = [] }
            return storage
        }
        let result = Array(storage[head..<(head + length)])
        head += length
        if head == storage.count {
            storage = []
            head = 0
        } else if head >= 64 * 1024, head >= storage.count / 2 {
            storage.removeSubrange(0..<head)
            head = 0
        }
        return result
    }

    /// Accepts `bytes` starting at `start`, which the caller trimmed to the window
    /// (`next <= start`, ending within `next + free`). Returns the new RCV.NXT: past `bytes`
    /// and any runs they join up with when `start == next`.
    mutating func insert(_ bytes: ArraySlice<UInt8>, at start: SequenceNumber, next: SequenceNumber) -> SequenceNumber {
        guard !bytes.isEmpty else { return next }
        if start == next {
            storage.append(contentsOf: bytes)
            var advanced = next + bytes.count
            // Pull in the runs the new bytes reach.
            while let first = runs.first, first.start <= advanced {
                let overlap = advanced - first.start
                if overlap < first.bytes.count {
                    storage.append(contentsOf: first.bytes[overlap...])
                    advanced = first.end
                }
                runs.removeFirst()
            }
            if let latest = latestRunStart, latest < advanced { latestRunStart = nil }
            return advanced
        }
        insertRun(Run(start: start, bytes: Array(bytes)))
        return next
    }

    /// Merges `run` into the out-of-order runs.
    private mutating func insertRun(_ run: Run) {
        var merged = run
        var index = 0
        while index < runs.count, runs[index].end < merged.start { index += 1 }
        // The usual case after a loss: the segment continues a run and reaches no further one.
        // Append in place rather than copy the run (which would make a long run quadratic).
        if index < runs.count, runs[index].end == run.start, runs[index].start < run.start,
           index + 1 == runs.count || run.end < runs[index + 1].start {
            runs[index].bytes.append(contentsOf: run.bytes)
            latestRunStart = runs[index].start
            return
        }
        // Absorb every run that overlaps or touches the new one.
        while index < runs.count, runs[index].start <= merged.end {
            let other = runs.remove(at: index)
            let newStart = min(other.start, merged.start)
            let newEnd = max(other.end, merged.end)
            var bytes = [UInt8](repeating: 0, count: newEnd - newStart)
            bytes.replaceSubrange((other.start - newStart)..<(other.end - newStart), with: other.bytes)
            bytes.replaceSubrange((merged.start - newStart)..<(merged.end - newStart), with: merged.bytes)
            merged = Run(start: newStart, bytes: bytes)
        }
        runs.insert(merged, at: index)
        latestRunStart = merged.start
    }

    /// SACK blocks for the out-of-order runs, the most recently changed first (RFC 2018 §4).
    func sackBlocks(limit: Int) -> [SACKBlock] {
        var blocks: [SACKBlock] = []
        if let latest = latestRunStart, let run = runs.first(where: { $0.start == latest }) {
            blocks.append(SACKBlock(left: run.start.rawValue, right: run.end.rawValue))
        }
        for run in runs.reversed() where blocks.count < limit && run.start != latestRunStart {
            blocks.append(SACKBlock(left: run.start.rawValue, right: run.end.rawValue))
        }
        return Array(blocks.prefix(limit))
    }
}
