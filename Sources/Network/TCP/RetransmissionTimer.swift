import SwiftletDevices

/// The retransmission timeout (RFC 6298): a smoothed round-trip time and its variation,
/// updated from samples, with exponential backoff while retransmissions go unanswered.
/// Kept in integer nanoseconds: `Duration` division needs 128-bit division, which the
/// freestanding targets do not link.
struct RetransmissionTimer {
    private var smoothed: Int64?
    private var variation: Int64 = 0
    private var current: Int64
    private let minimum: Int64
    private let maximum: Int64

    init(configuration: TCPConfiguration) {
        minimum = Int64(clamping: configuration.minimumRTO.nanosecondsClamped)
        maximum = Int64(clamping: configuration.maximumRTO.nanosecondsClamped)
        current = Int64(clamping: configuration.initialRTO.nanosecondsClamped)
    }

    /// The current timeout, backoff included.
    var timeout: Duration { .nanoseconds(current) }

    /// The smoothed round-trip time (SRTT), once there is a sample.
    var smoothedRTT: Duration? { smoothed.map { .nanoseconds($0) } }

    /// Takes one round-trip measurement (RFC 6298 §2.2–2.3), which also ends any backoff.
    mutating func sample(_ rtt: Duration) {
        let rtt = Int64(clamping: rtt.nanosecondsClamped)
        if let srtt = smoothed {
            let error = srtt > rtt ? srtt - rtt : rtt - srtt
            variation = variation / 4 * 3 + error / 4
            smoothed = srtt / 8 * 7 + rtt / 8
        } else {
            smoothed = rtt
            variation = rtt / 2
        }
        // G, the clock granularity, is 1 ms here.
        let base = (smoothed ?? rtt) + max(1_000_000, variation * 4)
        current = min(max(base, minimum), maximum)
    }

    /// The timer expired: double the timeout (RFC 6298 §5.5).
    mutating func backOff() {
        current = min(current * 2, maximum)
    }
}

/// NewReno congestion control (RFC 5681, RFC 6582): slow start, congestion avoidance, fast
/// retransmit and fast recovery. Counts bytes.
struct NewReno {
    private(set) var window: Int
    private(set) var slowStartThreshold = Int.max
    /// Bytes acknowledged in congestion avoidance since the window last grew (RFC 5681 §3.1
    /// byte counting: one MSS per window's worth of acknowledged data).
    private var acknowledgedInAvoidance = 0
    private(set) var duplicateAcks = 0
    /// Fast recovery's end: the highest sequence number sent when it began (RFC 6582 "recover").
    private(set) var recoveryPoint: SequenceNumber?
    let mss: Int

    init(mss: Int) {
        self.mss = mss
        // RFC 6928: an initial window of ten segments.
        window = 10 * mss
    }

    var inRecovery: Bool { recoveryPoint != nil }

    /// New data was acknowledged; returns whether it was a partial acknowledgement in recovery
    /// (so the caller retransmits the next unacknowledged segment).
    mutating func acknowledged(_ bytes: Int, upTo ack: SequenceNumber, flight: Int) -> Bool {
        duplicateAcks = 0
        if let recover = recoveryPoint {
            if ack < recover {
                // Partial acknowledgement (RFC 6582 §3.2 step 5): deflate by what was acknowledged.
                window = max(window - bytes + mss, mss)
                return true
            }
            // Full acknowledgement: leave recovery.
            window = min(slowStartThreshold, max(flight, mss) + mss)
            recoveryPoint = nil
            return false
        }
        if window < slowStartThreshold {
            window += min(bytes, mss)
        } else {
            acknowledgedInAvoidance += bytes
            if acknowledgedInAvoidance >= window {
                acknowledgedInAvoidance -= window
                window += mss
            }
        }
        return false
    }

    /// A duplicate acknowledgement arrived; returns whether to retransmit now: on the third
    /// one, or earlier when SACK already shows three segments' worth of data past the hole
    /// (RFC 6675 §5, the `IsLost` rule), which matters when the window is small.
    mutating func duplicateAcknowledged(flight: Int, highestSent: SequenceNumber, sackedBytes: Int) -> Bool {
        duplicateAcks += 1
        if inRecovery {
            window += mss
            return false
        }
        guard duplicateAcks >= 3 || sackedBytes >= 3 * mss else { return false }
        slowStartThreshold = max(flight / 2, 2 * mss)
        window = slowStartThreshold + 3 * mss
        recoveryPoint = highestSent
        return true
    }

    /// Segments Limited Transmit (RFC 3042) lets through beyond the window: one new segment
    /// for each of the first two duplicate acknowledgements, so a small window still gets
    /// enough duplicates back for fast retransmit.
    var limitedTransmitAllowance: Int { inRecovery ? 0 : min(duplicateAcks, 2) * mss }

    /// The retransmission timer fired: back to one segment (RFC 5681 §3.1, equation 4).
    mutating func timedOut(flight: Int) {
        slowStartThreshold = max(flight / 2, 2 * mss)
        window = mss
        acknowledgedInAvoidance = 0
        duplicateAcks = 0
        recoveryPoint = nil
    }
}
