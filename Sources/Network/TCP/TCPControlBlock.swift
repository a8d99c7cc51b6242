import SwiftletDevices

/// One TCP connection's state machine (RFC 9293), without I/O: segments, application calls
/// and the time go in; segments to send come out through an `emit` closure, which must copy
/// the payload before returning (it is a view into the send buffer).
///
/// Implements passive and active open (simultaneous open included), data transfer both ways,
/// orderly close (simultaneous close included), reset, TIME-WAIT; MSS, window scaling and
/// timestamps (RFC 7323); SACK (RFC 2018) both ways; the retransmission timer of RFC 6298;
/// NewReno (RFC 5681, RFC 6582); delayed ACKs; Nagle; zero-window probes; keep-alive; and the
/// RST/SYN hardening of RFC 5961 (challenge ACKs).
public struct TCPControlBlock {
    /// Receives each segment to send: its header (addresses are the connection's) and payload.
    public typealias Emit = (TCPHeader, ArraySlice<UInt8>) -> Void

    /// This side's address and port.
    public let local: IPv4Endpoint
    /// The peer's address and port.
    public let remote: IPv4Endpoint
    /// Where the connection is in its life.
    public private(set) var state: TCPState
    /// Why the connection failed, once it has (reset, refused, timed out).
    public private(set) var error: NetError?
    let configuration: TCPConfiguration
    /// Counters for diagnostics and benchmarks.
    public private(set) var statistics = TCPStatistics()

    // MARK: Send sequence space (RFC 9293 §3.3.1)
    let initialSendSequence: SequenceNumber
    private(set) var sendUnacknowledged: SequenceNumber
    private(set) var sendNext: SequenceNumber
    /// The highest sequence number sent so far; `sendNext` falls back below it when the
    /// retransmission timer makes us go back to the first unacknowledged byte.
    private(set) var sendMax: SequenceNumber
    private(set) var sendWindow = 0
    private var sendWL1 = SequenceNumber(0)
    private var sendWL2 = SequenceNumber(0)
    private var sendBuffer: SendBuffer
    /// The application closed its sending side: a FIN follows the queued data.
    private(set) var closeRequested = false
    private var finAcknowledged = false

    // MARK: Receive sequence space
    private(set) var receiveNext = SequenceNumber(0)
    private var receiveBuffer: ReceiveBuffer
    /// The peer's FIN, seen (possibly ahead of missing data).
    private var peerFin: SequenceNumber?
    /// The application will read no more: incoming data is acknowledged and dropped.
    private var readClosed = false

    // MARK: Negotiated options
    private let ourMSS: Int
    /// Payload bytes per segment we send (the peer's MSS, less the timestamp option).
    private(set) var sendMSS: Int
    private var ourWindowShift = 0
    private var peerWindowShift = 0
    private(set) var timestampsEnabled = false
    private(set) var sackEnabled = false
    private var recentTimestamp: UInt32 = 0
    private let timestampOffset: UInt32

    // MARK: Acknowledgements
    private var ackNow = false
    private var delayedAckDeadline: MonotonicInstant?
    private var segmentsSinceAck = 0
    private var advertisedRightEdge = SequenceNumber(0)

    // MARK: Timers and loss recovery
    private var rto: RetransmissionTimer
    private var retransmitDeadline: MonotonicInstant?
    private var retransmissions = 0
    private var rttProbe: (sequence: SequenceNumber, sentAt: MonotonicInstant)?
    private var congestion: NewReno
    /// Ranges above SND.UNA the peer reported holding (SACK), sorted, disjoint.
    private var scoreboard: [(start: SequenceNumber, end: SequenceNumber)] = []
    /// In recovery, everything below this has been retransmitted once already.
    private var retransmittedUpTo = SequenceNumber(0)
    /// Retransmissions not yet acknowledged: their range, when they left, and SND.MAX then.
    /// RACK (RFC 8985 §6.2) on them: once the peer reports data we sent after a retransmission,
    /// and a round trip plus a reordering window (SRTT/4) has passed since it left, the
    /// retransmission is lost and goes again at once instead of waiting for the RTO.
    private var retransmissionsInFlight: [(start: SequenceNumber, end: SequenceNumber, sentAt: MonotonicInstant,
                                           sendMaxThen: SequenceNumber)] = []
    /// Lost retransmissions found by RACK, to send again before any other hole.
    private var lostRetransmissions: [(start: SequenceNumber, end: SequenceNumber)] = []
    /// Set by a partial acknowledgement in recovery; served by ``transmit(now:emit:)``.
    private var pendingPartialRetransmit = false
    /// The tail loss probe's timer (RFC 8985 §7): 2·SRTT after the last transmission while data
    /// is outstanding, so a lost tail (or, in recovery, a lost retransmission at SND.UNA) is
    /// found in a couple of round trips rather than after the RTO.
    private var probeDeadline: MonotonicInstant?
    /// A probe was sent and no new data has been acknowledged since: one probe per tail.
    private var probeOutstanding = false
    private var persistDeadline: MonotonicInstant?
    private var persistInterval: Duration = .zero
    private var keepAliveDeadline: MonotonicInstant?
    private var keepAliveProbes = 0
    private var timeWaitDeadline: MonotonicInstant?

    // MARK: Creating

    /// A connection opened by this side: SYN-SENT. The SYN goes out on the first ``transmit(now:emit:)``.
    public init(connectingFrom local: IPv4Endpoint, to remote: IPv4Endpoint, initialSequence: UInt32,
                mtu: Int, now: MonotonicInstant, configuration: TCPConfiguration = TCPConfiguration()) {
        self.init(local: local, remote: remote, state: .synSent, initialSequence: initialSequence,
                  mtu: mtu, configuration: configuration)
        if configuration.windowScaling { ourWindowShift = Self.windowShift(for: configuration.receiveBufferSize) }
    }

    /// A connection opened by the peer's `syn` to a listener: SYN-RECEIVED. The SYN-ACK goes
    /// out on the first ``transmit(now:emit:)``.
    public init(acceptingSYN syn: TCPHeader, local: IPv4Endpoint, remote: IPv4Endpoint, initialSequence: UInt32,
                mtu: Int, now: MonotonicInstant, configuration: TCPConfiguration = TCPConfiguration()) {
        self.init(local: local, remote: remote, state: .synReceived, initialSequence: initialSequence,
                  mtu: mtu, configuration: configuration)
        receiveNext = SequenceNumber(syn.sequenceNumber) + 1
        advertisedRightEdge = receiveNext
        adoptOptions(of: syn)
        sendWindow = Int(syn.window)  // never scaled in a SYN
        sendWL1 = SequenceNumber(syn.sequenceNumber)
    }

    /// A connection rebuilt from a valid SYN cookie (``SYNCookies``): SYN-RECEIVED with the
    /// SYN-ACK already sent (statelessly, with initial sequence number `ack.acknowledgmentNumber - 1`).
    /// Pass `ack` to ``receive(_:payload:now:emit:)`` next to establish it. Only the MSS came
    /// through the cookie: no window scaling, SACK or timestamps.
    public init(cookieACK ack: TCPHeader, peerMSS: Int, local: IPv4Endpoint, remote: IPv4Endpoint,
                mtu: Int, now: MonotonicInstant, configuration: TCPConfiguration = TCPConfiguration()) {
        self.init(local: local, remote: remote, state: .synReceived, initialSequence: ack.acknowledgmentNumber &- 1,
                  mtu: mtu, configuration: configuration)
        receiveNext = SequenceNumber(ack.sequenceNumber)
        advertisedRightEdge = receiveNext
        sendWL1 = receiveNext - 1
        sendNext = initialSendSequence + 1
        sendMax = sendNext
        sendMSS = max(min(peerMSS, ourMSS), 64)
        congestion = NewReno(mss: sendMSS)
    }

    private init(local: IPv4Endpoint, remote: IPv4Endpoint, state: TCPState, initialSequence: UInt32,
                 mtu: Int, configuration: TCPConfiguration) {
        self.local = local
        self.remote = remote
        self.state = state
        self.configuration = configuration
        initialSendSequence = SequenceNumber(initialSequence)
        sendUnacknowledged = initialSendSequence
        sendNext = initialSendSequence
        sendMax = initialSendSequence
        sendBuffer = SendBuffer(capacity: configuration.sendBufferSize)
        receiveBuffer = ReceiveBuffer(capacity: configuration.receiveBufferSize)
        ourMSS = max(mtu - IPv4Header.minimumLength - TCPHeader.minimumLength, 64)
        // RFC 9293 §3.7.1: without an MSS option the peer takes 536.
        sendMSS = 536
        rto = RetransmissionTimer(configuration: configuration)
        congestion = NewReno(mss: 536)
        timestampOffset = initialSequence &* 2_654_435_761
    }

    /// The smallest shift that lets a 16-bit window field cover `bufferSize` (RFC 7323 §2.3).
    static func windowShift(for bufferSize: Int) -> Int {
        var shift = 0
        while shift < 14, bufferSize >> shift > 0xFFFF { shift += 1 }
        return shift
    }

    /// Takes the options of the peer's SYN: MSS, and the extensions both sides offered.
    private mutating func adoptOptions(of syn: TCPHeader) {
        let options = syn.options
        let peerMSS = Int(options.maximumSegmentSize ?? 536)
        if configuration.windowScaling, let shift = options.windowScale {
            peerWindowShift = Int(min(shift, 14))
            if state == .synReceived { ourWindowShift = Self.windowShift(for: configuration.receiveBufferSize) }
        } else {
            peerWindowShift = 0
            ourWindowShift = 0
        }
        if configuration.timestamps, let timestamps = options.timestamps {
            timestampsEnabled = true
            recentTimestamp = timestamps.value
        }
        sackEnabled = configuration.selectiveAcknowledgements && options.sackPermitted
        // The timestamp option takes 12 bytes of every segment.
        sendMSS = max(min(peerMSS, ourMSS) - (timestampsEnabled ? 12 : 0), 64)
        congestion = NewReno(mss: sendMSS)
    }

    // MARK: Application side

    /// Bytes the application can write without waiting.
    public var writableBytes: Int {
        guard error == nil, !closeRequested, state.maySend else { return 0 }
        return sendBuffer.free
    }

    /// Whether ``write(_:)`` would fail: the sending side is closed or the connection is gone.
    public var isWriteClosed: Bool { error != nil || closeRequested || !state.maySend }

    /// In-order bytes ready for ``read(maxLength:)``.
    public var readableBytes: Int { receiveBuffer.count }

    /// Whether the peer has closed its side and every byte it sent has been read
    /// (or the connection failed).
    public var isReadFinished: Bool {
        guard receiveBuffer.count == 0 else { return false }
        if error != nil || state == .closed { return true }
        if let fin = peerFin { return fin < receiveNext }
        return false
    }

    /// Bytes written and not yet acknowledged by the peer.
    public var unacknowledgedBytes: Int { sendBuffer.count }

    /// Queues as much of `bytes` as fits; returns how many bytes were taken.
    public mutating func write(_ bytes: ArraySlice<UInt8>) -> Int {
        guard writableBytes > 0 else { return 0 }
        return sendBuffer.append(bytes)
    }

    /// Takes up to `maxLength` received bytes.
    public mutating func read(maxLength: Int) -> [UInt8] {
        let before = windowToAdvertise()
        let bytes = receiveBuffer.read(maxLength: maxLength)
        // Tell the peer about a window that opened by a useful amount (RFC 9293 §3.8.6.2.2).
        if state.peerMaySend, windowToAdvertise() - before >= min(2 * ourMSS, configuration.receiveBufferSize / 2) {
            ackNow = true
        }
        return bytes
    }

    /// Closes the sending side: a FIN follows the queued data.
    public mutating func closeWrite() {
        guard state.maySend, !closeRequested else { return }
        closeRequested = true
        if state == .synSent { enterClosed() }
    }

    /// Closes both sides: data that arrives from now on is acknowledged and dropped.
    public mutating func close() {
        readClosed = true
        receiveBuffer = ReceiveBuffer(capacity: configuration.receiveBufferSize)
        closeWrite()
    }

    /// Resets the connection: sends RST (when synchronized) and forgets it.
    public mutating func abort(now: MonotonicInstant, emit: Emit) {
        if state.isSynchronized || state == .synReceived {
            emitSegment(flags: [.rst, .ack], sequence: sendMax, payload: [], now: now, emit: emit)
        }
        if error == nil { error = .closed }
        enterClosed()
    }

    // MARK: Time

    /// The earliest instant ``poll(now:emit:)`` has something to do.
    public var nextDeadline: MonotonicInstant? {
        var earliest: MonotonicInstant? = nil
        for deadline in [retransmitDeadline, probeDeadline, delayedAckDeadline, persistDeadline, keepAliveDeadline, timeWaitDeadline] {
            if let deadline, earliest == nil || deadline < earliest! { earliest = deadline }
        }
        return earliest
    }

    /// Runs the timers that are due, then sends whatever may be sent.
    public mutating func poll(now: MonotonicInstant, emit: Emit) {
        if let deadline = timeWaitDeadline, now >= deadline {
            enterClosed()
            return
        }
        if let deadline = retransmitDeadline, now >= deadline {
            retransmitTimerExpired(now: now, emit: emit)
            if state == .closed { return }
        }
        if let deadline = probeDeadline, now >= deadline {
            sendTailLossProbe(now: now, emit: emit)
        }
        if let deadline = persistDeadline, now >= deadline {
            // A zero-window probe: an old sequence number makes the peer answer with its window.
            emitSegment(flags: .ack, sequence: sendUnacknowledged - 1, payload: [], now: now, emit: emit)
            persistInterval = min(persistInterval + persistInterval, configuration.maximumRTO)
            persistDeadline = now + persistInterval
        }
        if let deadline = keepAliveDeadline, now >= deadline, let policy = configuration.keepAlive {
            guard keepAliveProbes < policy.count else {
                fail(.timedOut, now: now, emit: emit)
                return
            }
            keepAliveProbes += 1
            emitSegment(flags: .ack, sequence: sendUnacknowledged - 1, payload: [], now: now, emit: emit)
            keepAliveDeadline = now + policy.interval
        }
        if let deadline = delayedAckDeadline, now >= deadline { ackNow = true }
        transmit(now: now, emit: emit)
    }

    /// Sends the last segment again (RFC 8985 §7.3, when no new data can go), so the peer's
    /// answer — an ACK, or a SACK that starts fast recovery — comes well before the RTO.
    private mutating func sendTailLossProbe(now: MonotonicInstant, emit: Emit) {
        probeDeadline = nil
        let sentData = min(sendBuffer.count, sendMax - sendUnacknowledged)
        guard state.isSynchronized, sentData > 0 else { return }
        probeOutstanding = true
        statistics.tailLossProbes += 1
        if congestion.inRecovery {
            // In recovery the ACKs stopped: the retransmission at SND.UNA is presumably lost
            // too (RACK's reordering timer, RFC 8985 §6.3, with no later delivery to compare).
            var length = min(sendMSS, sentData)
            if let first = scoreboard.first { length = min(length, max(first.start - sendUnacknowledged, 1)) }
            retransmit(at: sendUnacknowledged, length: length, now: now, emit: emit)
        } else {
            let length = min(sendMSS, sentData)
            retransmit(at: sendUnacknowledged + (sentData - length), length: length, now: now, emit: emit)
        }
        retransmitDeadline = now + rto.timeout
    }

    /// Arms the tail loss probe after a transmission or an acknowledgement (RFC 8985 §7.2):
    /// with SACK, an RTT sample, data in flight, and only if it would fire
    /// before the RTO. Two round trips, plus the peer's delayed-ACK allowance when one segment
    /// is in flight.
    private mutating func armTailLossProbe(now: MonotonicInstant) {
        probeDeadline = nil
        guard sackEnabled, !probeOutstanding, state.isSynchronized,
              sendMax > sendUnacknowledged, let srtt = rto.smoothedRTT else { return }
        var timeout = srtt + srtt
        if sendMax - sendUnacknowledged <= sendMSS { timeout = timeout + configuration.minimumRTO }
        timeout = max(timeout, .milliseconds(2))
        let deadline = now + timeout
        if let rtoDeadline = retransmitDeadline, rtoDeadline <= deadline { return }
        probeDeadline = deadline
    }

    private mutating func retransmitTimerExpired(now: MonotonicInstant, emit: Emit) {
        let limit = state.isSynchronized ? configuration.maximumRetransmissions : configuration.maximumSynRetransmissions
        guard retransmissions < limit else {
            fail(.timedOut, now: now, emit: emit)
            return
        }
        retransmissions += 1
        statistics.timeouts += 1
        probeDeadline = nil
        rto.backOff()
        congestion.timedOut(flight: sendMax - sendUnacknowledged)
        rttProbe = nil
        // The peer may have dropped what it SACKed (RFC 2018 §8): resend everything.
        scoreboard.removeAll()
        retransmissionsInFlight.removeAll()
        lostRetransmissions.removeAll()
        retransmittedUpTo = sendUnacknowledged
        retransmitDeadline = nil
        switch state {
        case .synSent, .synReceived:
            sendNext = initialSendSequence
        default:
            sendNext = sendUnacknowledged
        }
    }

    // MARK: Incoming segments

    /// Processes one segment addressed to this connection, then sends what is due.
    public mutating func receive(_ segment: TCPHeader, payload: ArraySlice<UInt8>, now: MonotonicInstant, emit: Emit) {
        switch state {
        case .closed:
            return
        case .synSent:
            receiveInSynSent(segment, payload: payload, now: now, emit: emit)
        default:
            receiveSynchronized(segment, payload: payload, now: now, emit: emit)
        }
        if state != .closed { transmit(now: now, emit: emit) }
    }

    /// RFC 9293 §3.10.7.3.
    private mutating func receiveInSynSent(_ segment: TCPHeader, payload: ArraySlice<UInt8>, now: MonotonicInstant, emit: Emit) {
        let flags = segment.flags
        let ack = SequenceNumber(segment.acknowledgmentNumber)
        if flags.contains(.ack), ack <= initialSendSequence || ack > sendMax {
            if !flags.contains(.rst) { emitReset(sequence: ack, now: now, emit: emit) }
            return
        }
        if flags.contains(.rst) {
            if flags.contains(.ack) {
                error = .connectionRefused
                enterClosed()
            }
            return
        }
        guard flags.contains(.syn) else { return }
        receiveNext = SequenceNumber(segment.sequenceNumber) + 1
        advertisedRightEdge = receiveNext
        sendWL1 = SequenceNumber(segment.sequenceNumber)
        adoptOptions(of: segment)
        if flags.contains(.ack) {
            acknowledge(upTo: ack, segment: segment, now: now)
            sendWindow = Int(segment.window) << peerWindowShift
            sendWL2 = ack
            state = .established
            resetKeepAlive(now: now)
            ackNow = true
            // Data on a SYN-ACK is rare but legal.
            if !payload.isEmpty { acceptData(payload, at: receiveNext, now: now) }
        } else {
            // Simultaneous open: both sides sent SYNs.
            state = .synReceived
            sendWindow = Int(segment.window)
            sendNext = initialSendSequence
            retransmitDeadline = nil
        }
    }

    private mutating func receiveSynchronized(_ segment: TCPHeader, payload: ArraySlice<UInt8>, now: MonotonicInstant, emit: Emit) {
        var flags = segment.flags
        var sequence = SequenceNumber(segment.sequenceNumber)
        var data = payload

        if state == .synReceived, flags.contains(.syn), !flags.contains(.ack), sequence + 1 == receiveNext {
            // Our SYN-ACK was lost: the peer's SYN again.
            sendNext = initialSendSequence
            return
        }
        if state == .timeWait, flags.contains(.fin) {
            // The peer did not get our last ACK: acknowledge again and restart the 2 MSL wait.
            ackNow = true
            timeWaitDeadline = now + configuration.timeWaitDuration
        }

        // 1. Is the segment in the window? (RFC 9293 §3.10.7.4, first check)
        let window = receiveBuffer.free
        let length = data.count + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
        let windowEnd = receiveNext + window
        let acceptable: Bool
        if length == 0 {
            acceptable = window == 0 ? sequence == receiveNext : (receiveNext <= sequence && sequence < windowEnd)
        } else {
            acceptable = window > 0
                && ((receiveNext <= sequence && sequence < windowEnd)
                    || (receiveNext <= sequence + (length - 1) && sequence + (length - 1) < windowEnd))
        }
        // PAWS (RFC 7323 §5): a timestamp older than the last one is an old duplicate.
        let timestamps = segment.options.timestamps
        let pawsRejects = timestampsEnabled && !flags.contains(.rst) && timestamps != nil
            && Int32(bitPattern: timestamps!.value &- recentTimestamp) < 0
        if !acceptable || pawsRejects {
            // A zero-window probe lands here too: answering it reports our window.
            if !flags.contains(.rst) { ackNow = true }
            return
        }

        // 2. RST: only an exact match resets; anything else in the window gets a challenge ACK (RFC 5961 §3).
        if flags.contains(.rst) {
            if sequence == receiveNext {
                error = state == .synReceived ? .connectionRefused : .connectionReset
                enterClosed()
            } else {
                ackNow = true
            }
            return
        }

        // 3. SYN in a synchronized state: challenge ACK (RFC 5961 §4).
        if flags.contains(.syn) {
            ackNow = true
            return
        }

        // 4. ACK.
        guard flags.contains(.ack) else { return }
        let ack = SequenceNumber(segment.acknowledgmentNumber)
        if state == .synReceived {
            guard sendUnacknowledged < ack, ack <= sendMax else {
                emitReset(sequence: ack, now: now, emit: emit)
                return
            }
            state = .established
            sendWindow = Int(segment.window) << peerWindowShift
            sendWL1 = sequence
            sendWL2 = ack
            resetKeepAlive(now: now)
        }
        if ack > sendMax {
            // Acknowledges something never sent.
            ackNow = true
            return
        }
        if timestampsEnabled, let timestamps, sequence <= receiveNext {
            recentTimestamp = timestamps.value
        }
        resetKeepAlive(now: now)
        processAck(ack, segment: segment, sequence: sequence, payloadLength: data.count, now: now, emit: emit)
        if state == .closed { return }

        // 5–7. Data and FIN. Trim what was already received or lies past the window.
        if sequence < receiveNext {
            let duplicate = receiveNext - sequence
            data = data.dropFirst(min(duplicate, data.count))
            sequence = receiveNext
            if duplicate > payload.count { flags.remove(.fin) }  // the FIN itself was old
            ackNow = true
        }
        let room = window - (sequence - receiveNext)
        if data.count > room {
            data = data.prefix(max(room, 0))
            flags.remove(.fin)
        }
        if !data.isEmpty {
            if state.peerMaySend {
                acceptData(data, at: sequence, now: now)
            } else {
                ackNow = true
            }
        }
        if flags.contains(.fin) { peerFin = sequence + data.count }
        if let fin = peerFin, fin == receiveNext, state.peerMaySend || state == .synReceived {
            receiveNext = receiveNext + 1
            ackNow = true
            peerClosed(now: now)
        }
    }

    /// Stores payload bytes and decides how soon to acknowledge them.
    private mutating func acceptData(_ data: ArraySlice<UInt8>, at sequence: SequenceNumber, now: MonotonicInstant) {
        let wasInOrder = sequence == receiveNext
        let hadGaps = !receiveBuffer.runs.isEmpty
        if readClosed {
            // Nobody will read it: acknowledge in-order bytes without keeping them.
            if wasInOrder { receiveNext = receiveNext + data.count }
            ackNow = true
            return
        }
        receiveNext = receiveBuffer.insert(data, at: sequence, next: receiveNext)
        if !wasInOrder || hadGaps {
            // Out of order, or filling a gap: acknowledge at once (RFC 5681 §4.2) so the
            // sender's fast retransmit and SACK work.
            ackNow = true
            return
        }
        segmentsSinceAck += 1
        if segmentsSinceAck >= 2 {
            ackNow = true
        } else if delayedAckDeadline == nil {
            delayedAckDeadline = now + configuration.delayedAckTimeout
        }
    }

    /// The peer's FIN arrived in order.
    private mutating func peerClosed(now: MonotonicInstant) {
        switch state {
        case .synReceived, .established:
            state = .closeWait
        case .finWait1:
            // Our FIN is not acknowledged yet (else we would be in FIN-WAIT-2): simultaneous close.
            state = .closing
        case .finWait2:
            enterTimeWait(now: now)
        default:
            break
        }
    }

    private mutating func processAck(_ ack: SequenceNumber, segment: TCPHeader, sequence: SequenceNumber, payloadLength: Int,
                                     now: MonotonicInstant, emit: Emit) {
        let window = Int(segment.window) << peerWindowShift
        let newlySACKed = sackEnabled && recordSACK(segment.options.sackBlocks)
        if ack > sendUnacknowledged {
            acknowledge(upTo: ack, segment: segment, now: now)
        } else if ack == sendUnacknowledged, payloadLength == 0, !segment.flags.contains(.fin),
                  sendMax > sendUnacknowledged,
                  // With SACK, an ACK reporting newly received data past a hole is a duplicate
                  // even if the window moved (the peer's application reads); RFC 6675 §2.
                  sackEnabled ? newlySACKed : window == sendWindow {
            let flight = sendMax - sendUnacknowledged
            let sacked = scoreboard.reduce(0) { $0 + ($1.end - $1.start) }
            if congestion.duplicateAcknowledged(flight: flight, highestSent: sendMax, sackedBytes: sacked) {
                statistics.fastRetransmits += 1
                rttProbe = nil
                retransmittedUpTo = sendUnacknowledged
                retransmitNextHole(now: now, emit: emit)
            } else if congestion.inRecovery && sackEnabled {
                retransmitNextHole(now: now, emit: emit)
            }
        }
        if !retransmissionsInFlight.isEmpty { detectLostRetransmissions(now: now, emit: emit) }
        // Update the send window from the newest segment (RFC 9293 §3.10.7.4, fifth check).
        if sendWL1 < sequence || (sendWL1 == sequence && sendWL2 <= ack) {
            sendWindow = window
            sendWL1 = sequence
            sendWL2 = ack
            if window > 0 {
                persistDeadline = nil
            }
        }
        // Our FIN acknowledged?
        if finAcknowledged {
            switch state {
            case .finWait1: state = .finWait2
            case .closing: enterTimeWait(now: now)
            case .lastAck: enterClosed()
            default: break
            }
        }
    }

    /// SND.UNA moves to `ack`: frees acknowledged bytes, measures the RTT, grows the window.
    private mutating func acknowledge(upTo ack: SequenceNumber, segment: TCPHeader, now: MonotonicInstant) {
        var acknowledged = ack - sendUnacknowledged
        if sendUnacknowledged == initialSendSequence {
            acknowledged -= 1  // our SYN
        }
        let dataAcknowledged = min(max(acknowledged, 0), sendBuffer.count)
        sendBuffer.acknowledge(dataAcknowledged)
        if closeRequested, acknowledged > dataAcknowledged { finAcknowledged = true }
        sendUnacknowledged = ack
        if sendNext < ack { sendNext = ack }
        retransmissions = 0
        probeOutstanding = false

        // Round-trip time: from the echoed timestamp, else from the one timed segment (Karn).
        if timestampsEnabled, let echoed = segment.options.timestamps?.echoReply, echoed != 0 {
            let elapsed = timestampClock(now) &- echoed
            if elapsed < 60_000 { rto.sample(.milliseconds(Int64(elapsed))) }
        } else if let probe = rttProbe, probe.sequence < ack {
            rto.sample(now - probe.sentAt)
            rttProbe = nil
        }
        if state.isSynchronized || state == .synReceived {
            let partial = congestion.acknowledged(dataAcknowledged, upTo: ack, flight: sendMax - ack)
            if partial { pendingPartialRetransmit = true }
        }
        while let first = scoreboard.first, first.end <= ack { scoreboard.removeFirst() }
        if retransmittedUpTo < ack { retransmittedUpTo = ack }
        retransmitDeadline = sendUnacknowledged == sendMax ? nil : now + rto.timeout
    }

    /// RACK for retransmissions (RFC 8985 §6.2): drops the ones delivered; a retransmission is
    /// lost when the peer holds data sent after it (SACKed beyond SND.MAX at the time) and
    /// SRTT plus the reordering window SRTT/4 has passed since it left. Checked on every ACK
    /// (there is no separate reordering timer: the RTO remains the backstop).
    private mutating func detectLostRetransmissions(now: MonotonicInstant, emit: Emit) {
        let delivered = scoreboard.last?.end ?? sendUnacknowledged
        let rtt = rto.smoothedRTT ?? configuration.minimumRTO
        let wait = rtt + .nanoseconds(Int64(clamping: rtt.nanosecondsClamped / 4))
        var found = false
        var index = 0
        while index < retransmissionsInFlight.count {
            let sent = retransmissionsInFlight[index]
            let held = sent.end <= sendUnacknowledged
                || scoreboard.contains(where: { $0.start <= sent.start && sent.end <= $0.end })
            if held {
                retransmissionsInFlight.remove(at: index)
            } else if delivered > sent.sendMaxThen, now - sent.sentAt >= wait {
                retransmissionsInFlight.remove(at: index)
                lostRetransmissions.append((sent.start, sent.end))
                found = true
            } else {
                index += 1
            }
        }
        if found { retransmitNextHole(now: now, emit: emit) }
    }

    /// Adds the peer's SACK blocks to the scoreboard; returns whether they covered anything new.
    private mutating func recordSACK(_ blocks: [SACKBlock]) -> Bool {
        let before = scoreboard.reduce(0) { $0 + ($1.end - $1.start) }
        for block in blocks {
            let start = SequenceNumber(block.left)
            let end = SequenceNumber(block.right)
            // Ignore blocks that are empty, below SND.UNA, or beyond what was sent (RFC 2018 §5 and hardening).
            guard start < end, sendUnacknowledged < end, end <= sendMax else { continue }
            var merged = (start: max(start, sendUnacknowledged), end: end)
            var index = 0
            while index < scoreboard.count, scoreboard[index].end < merged.start { index += 1 }
            while index < scoreboard.count, scoreboard[index].start <= merged.end {
                merged = (start: min(merged.start, scoreboard[index].start), end: max(merged.end, scoreboard[index].end))
                scoreboard.remove(at: index)
            }
            scoreboard.insert(merged, at: index)
            // A peer gets no unbounded memory out of us.
            if scoreboard.count > 32 { scoreboard.removeLast() }
        }
        return scoreboard.reduce(0) { $0 + ($1.end - $1.start) } > before
    }

    /// Retransmits one segment at the first byte not yet retransmitted in this recovery that
    /// the peer does not hold according to SACK.
    private mutating func retransmitNextHole(now: MonotonicInstant, emit: Emit) {
        while let lost = lostRetransmissions.first {
            lostRetransmissions.removeFirst()
            let start = max(lost.start, sendUnacknowledged)
            guard start < lost.end, !scoreboard.contains(where: { $0.start <= start && lost.end <= $0.end }) else { continue }
            statistics.lostRetransmissions += 1
            retransmit(at: start, length: min(sendMSS, lost.end - start), now: now, emit: emit)
            return
        }
        var start = max(retransmittedUpTo, sendUnacknowledged)
        for range in scoreboard where range.start <= start && start < range.end { start = range.end }
        guard start < sendNext else { return }
        // Without SACK information, only the segment at SND.UNA is known to be missing.
        if start > sendUnacknowledged, scoreboard.isEmpty || start >= scoreboard.last!.end { return }
        var length = min(sendMSS, sendNext - start)
        if let next = scoreboard.first(where: { start < $0.start }) { length = min(length, next.start - start) }
        retransmit(at: start, length: length, now: now, emit: emit)
        retransmittedUpTo = start + max(length, 1)
    }

    /// Sends the bytes at `start` again (and the FIN, when it is next).
    private mutating func retransmit(at start: SequenceNumber, length: Int, now: MonotonicInstant, emit: Emit) {
        let offset = start - sendUnacknowledged
        let available = max(0, min(length, sendBuffer.count - offset))
        var flags: TCPFlags = .ack
        if closeRequested, offset + available == sendBuffer.count, sendMax > sendUnacknowledged + sendBuffer.count {
            flags.insert(.fin)
        }
        guard available > 0 || flags.contains(.fin) else { return }
        emitSegment(flags: flags, sequence: start, payload: sendBuffer.bytes(at: offset, length: available), now: now, emit: emit)
        statistics.retransmittedSegments += 1
        if sackEnabled, available > 0 {
            retransmissionsInFlight.append((start, start + available, now, sendMax))
            // A peer gets no unbounded memory out of us.
            if retransmissionsInFlight.count > 64 { retransmissionsInFlight.removeFirst() }
        }
        if retransmitDeadline == nil { retransmitDeadline = now + rto.timeout }
    }

    // MARK: Outgoing segments

    /// Sends what is due: a SYN or SYN-ACK, new data within the windows, a FIN, an ACK.
    public mutating func transmit(now: MonotonicInstant, emit: Emit) {
        switch state {
        case .closed, .timeWait:
            if ackNow, state == .timeWait {
                emitSegment(flags: .ack, sequence: sendMax, payload: [], now: now, emit: emit)
            }
            return
        case .synSent, .synReceived:
            if sendNext == initialSendSequence {
                let flags: TCPFlags = state == .synSent ? .syn : [.syn, .ack]
                emitSegment(flags: flags, sequence: initialSendSequence, payload: [], now: now, emit: emit)
                sendNext = initialSendSequence + 1
                if sendMax < sendNext { sendMax = sendNext }
                if retransmitDeadline == nil { retransmitDeadline = now + rto.timeout }
            }
            if ackNow, state == .synReceived {
                emitSegment(flags: .ack, sequence: sendMax, payload: [], now: now, emit: emit)
            }
            return
        default:
            break
        }
        if pendingPartialRetransmit {
            pendingPartialRetransmit = false
            retransmitNextHole(now: now, emit: emit)
        }
        transmitData(now: now, emit: emit)
        if probeDeadline == nil || !probeOutstanding { armTailLossProbe(now: now) }
        if ackNow {
            // SND.MAX, not SND.NXT: after a timeout SND.NXT goes back, and a peer that already
            // has those bytes would find an ACK carrying it out of its window and drop it.
            emitSegment(flags: .ack, sequence: sendMax, payload: [], now: now, emit: emit)
        }
        // Nothing in flight, data waiting, and a closed window: probe it until it opens.
        if sendWindow == 0, sendMax == sendUnacknowledged, sendBuffer.count > sendNext - sendUnacknowledged {
            if persistDeadline == nil {
                persistInterval = rto.timeout
                persistDeadline = now + persistInterval
            }
        } else {
            persistDeadline = nil
        }
    }

    /// Sends new (or, after a timeout, resent) data and the FIN, as the windows and Nagle allow.
    private mutating func transmitData(now: MonotonicInstant, emit: Emit) {
        while true {
            let offset = sendNext - sendUnacknowledged
            let unsent = sendBuffer.count - offset
            let finPending = closeRequested && !finAcknowledged && unsent <= 0
                && sendNext == sendUnacknowledged + sendBuffer.count
            if unsent <= 0 {
                if finPending { sendFin(now: now, emit: emit) }
                return
            }
            let flight = sendNext - sendUnacknowledged
            let usable = min(congestion.window + congestion.limitedTransmitAllowance, sendWindow) - flight
            var length = min(sendMSS, unsent, usable)
            guard length > 0 else { return }
            if length < sendMSS {
                if length < unsent {
                    // Window-limited: avoid silly little segments (RFC 9293 §3.8.6.2.1).
                    if flight > 0, length < sendWindow / 2 { return }
                } else if !configuration.noDelay, flight > 0, !closeRequested {
                    // Nagle: one small segment in flight at a time.
                    return
                }
            }
            length = max(length, 0)
            var flags: TCPFlags = .ack
            let last = length == unsent
            if last { flags.insert(.psh) }
            let withFin = last && closeRequested
            if withFin { flags.insert(.fin) }
            let sequence = sendNext
            if rttProbe == nil, !timestampsEnabled, sequence == sendMax { rttProbe = (sequence, now) }
            emitSegment(flags: flags, sequence: sequence, payload: sendBuffer.bytes(at: offset, length: length), now: now, emit: emit)
            sendNext = sequence + length + (withFin ? 1 : 0)
            if sendMax < sendNext { sendMax = sendNext }
            if withFin { finSent() }
            if retransmitDeadline == nil { retransmitDeadline = now + rto.timeout }
            if withFin { return }
        }
    }

    private mutating func sendFin(now: MonotonicInstant, emit: Emit) {
        emitSegment(flags: [.fin, .ack], sequence: sendNext, payload: [], now: now, emit: emit)
        sendNext = sendNext + 1
        if sendMax < sendNext { sendMax = sendNext }
        finSent()
        if retransmitDeadline == nil { retransmitDeadline = now + rto.timeout }
    }

    private mutating func finSent() {
        switch state {
        case .established: state = .finWait1
        case .closeWait: state = .lastAck
        default: break
        }
    }

    /// The window to advertise: the free receive buffer, grown only in useful steps so the
    /// peer does not send silly small segments (RFC 9293 §3.8.6.2.2), never shrinking.
    private func windowToAdvertise() -> Int {
        let free = readClosed ? configuration.receiveBufferSize : receiveBuffer.free
        let current = max(0, advertisedRightEdge - receiveNext)
        let step = min(configuration.receiveBufferSize / 2, ourMSS)
        return free >= current + step ? free : current
    }

    private mutating func emitSegment(flags: TCPFlags, sequence: SequenceNumber, payload: ArraySlice<UInt8>,
                                      now: MonotonicInstant, emit: Emit) {
        var flags = flags
        var options = TCPOptions()
        let isSYN = flags.contains(.syn)
        if isSYN {
            options.maximumSegmentSize = UInt16(truncatingIfNeeded: min(ourMSS, 0xFFFF))
            let offering = state == .synSent
            if configuration.windowScaling && (offering || peerWindowShift > 0 || ourWindowShift > 0) {
                options.windowScale = UInt8(truncatingIfNeeded: ourWindowShift)
            }
            if configuration.selectiveAcknowledgements && (offering || sackEnabled) { options.sackPermitted = true }
            if configuration.timestamps && (offering || timestampsEnabled) {
                options.timestamps = TCPTimestamps(value: timestampClock(now), echoReply: offering ? 0 : recentTimestamp)
            }
        } else {
            if timestampsEnabled {
                options.timestamps = TCPTimestamps(value: timestampClock(now), echoReply: recentTimestamp)
            }
            if sackEnabled, !receiveBuffer.runs.isEmpty {
                options.sackBlocks = receiveBuffer.sackBlocks(limit: timestampsEnabled ? 3 : 4)
                // Options and data share the MTU: a full data segment carries no SACK blocks.
                while !options.sackBlocks.isEmpty, options.encodedLength + payload.count > ourMSS {
                    options.sackBlocks.removeLast()
                }
            }
        }
        if state == .synSent, isSYN { flags.remove(.ack) } else if !flags.contains(.rst) || state.isSynchronized { flags.insert(.ack) }
        let window = windowToAdvertise()
        let field = isSYN ? min(window, 0xFFFF) : min(window >> ourWindowShift, 0xFFFF)
        let header = TCPHeader(
            sourcePort: local.port, destinationPort: remote.port, sequenceNumber: sequence.rawValue,
            acknowledgmentNumber: flags.contains(.ack) ? receiveNext.rawValue : 0, flags: flags,
            window: UInt16(truncatingIfNeeded: field), options: options)
        emit(header, payload)
        statistics.segmentsSent += 1
        if flags.contains(.ack) {
            ackNow = false
            delayedAckDeadline = nil
            segmentsSinceAck = 0
            let advertised = isSYN ? field : field << ourWindowShift
            if receiveNext + advertised > advertisedRightEdge { advertisedRightEdge = receiveNext + advertised }
        }
    }

    private mutating func emitReset(sequence: SequenceNumber, now: MonotonicInstant, emit: Emit) {
        let header = TCPHeader(sourcePort: local.port, destinationPort: remote.port, sequenceNumber: sequence.rawValue,
                               acknowledgmentNumber: 0, flags: .rst, window: 0)
        emit(header, [])
    }

    /// Timestamps tick in milliseconds (RFC 7323 allows 1 ms to 1 s), from a per-connection origin.
    private func timestampClock(_ now: MonotonicInstant) -> UInt32 {
        UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000) &+ timestampOffset
    }

    // MARK: Ending

    private mutating func resetKeepAlive(now: MonotonicInstant) {
        keepAliveProbes = 0
        if let policy = configuration.keepAlive, state == .established || state == .closeWait {
            keepAliveDeadline = now + policy.idle
        } else {
            keepAliveDeadline = nil
        }
    }

    private mutating func enterTimeWait(now: MonotonicInstant) {
        state = .timeWait
        clearTimers()
        timeWaitDeadline = now + configuration.timeWaitDuration
    }

    private mutating func enterClosed() {
        state = .closed
        clearTimers()
        timeWaitDeadline = nil
    }

    private mutating func clearTimers() {
        retransmitDeadline = nil
        probeDeadline = nil
        delayedAckDeadline = nil
        persistDeadline = nil
        keepAliveDeadline = nil
    }

    private mutating func fail(_ reason: NetError, now: MonotonicInstant, emit: Emit) {
        if state.isSynchronized {
            emitSegment(flags: [.rst, .ack], sequence: sendMax, payload: [], now: now, emit: emit)
        }
        error = reason
        enterClosed()
    }

    /// Whether a SYN for this connection's endpoints may start a new connection in its place:
    /// in TIME-WAIT when the SYN is beyond the old connection's sequence space (RFC 9293 §3.10.7.4
    /// note; RFC 6191 with timestamps).
    public func acceptsNewConnection(_ syn: TCPHeader) -> Bool {
        guard state == .timeWait else { return state == .closed }
        if timestampsEnabled, let timestamps = syn.options.timestamps {
            return Int32(bitPattern: timestamps.value &- recentTimestamp) > 0
        }
        return receiveNext < SequenceNumber(syn.sequenceNumber)
    }

    /// A short line for logs: state and sequence variables.
    public var summary: String {
        "\(local)->\(remote) \(state) una=\(sendUnacknowledged) nxt=\(sendNext) max=\(sendMax) wnd=\(sendWindow) cwnd=\(congestion.window) rcv.nxt=\(receiveNext) rto=\(rto.timeout.nanosecondsClamped / 1_000_000)ms"
    }
}

/// What one connection did: for diagnostics and benchmarks.
public struct TCPStatistics: Equatable, Sendable, CustomStringConvertible {
    /// Segments sent, retransmissions included.
    public var segmentsSent = 0
    /// Segments resent by fast retransmit or recovery (not counting go-back after a timeout).
    public var retransmittedSegments = 0
    /// Retransmission timer expiries.
    public var timeouts = 0
    /// Entries into fast recovery (three duplicate acknowledgements).
    public var fastRetransmits = 0
    /// Retransmissions RACK found lost and sent again without waiting for the RTO.
    public var lostRetransmissions = 0
    /// Tail loss probes sent.
    public var tailLossProbes = 0

    public var description: String {
        "sent=\(segmentsSent) retransmitted=\(retransmittedSegments) timeouts=\(timeouts) fast-retransmits=\(fastRetransmits) lost-retransmissions=\(lostRetransmissions) tail-loss-probes=\(tailLossProbes)"
    }
}
