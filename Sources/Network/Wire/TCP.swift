import SwiftletDevices

/// The control bits of a TCP header (RFC 9293, with ECE and CWR from RFC 3168).
///
/// ```swift
/// if header.flags.contains([.syn, .ack]) { ... }
/// ```
public struct TCPFlags: OptionSet, Hashable, Sendable {
    /// The flags byte (header byte 13).
    public var rawValue: UInt8

    /// Wraps a flags byte.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// No more data from the sender.
    public static let fin = TCPFlags(rawValue: 1)
    /// Synchronize sequence numbers.
    public static let syn = TCPFlags(rawValue: 2)
    /// Reset the connection.
    public static let rst = TCPFlags(rawValue: 4)
    /// Push buffered data to the application.
    public static let psh = TCPFlags(rawValue: 8)
    /// The acknowledgment number is valid.
    public static let ack = TCPFlags(rawValue: 16)
    /// The urgent pointer is valid.
    public static let urg = TCPFlags(rawValue: 32)
    /// ECN echo.
    public static let ece = TCPFlags(rawValue: 64)
    /// Congestion window reduced.
    public static let cwr = TCPFlags(rawValue: 128)
}

/// One selective acknowledgment block (RFC 2018): the receiver holds `left..<right`.
public struct SACKBlock: Equatable, Sendable {
    /// The first sequence number of the block.
    public var left: UInt32
    /// The sequence number just past the block.
    public var right: UInt32

    /// Creates a block.
    public init(left: UInt32, right: UInt32) {
        self.left = left
        self.right = right
    }
}

/// The timestamps option (RFC 7323).
public struct TCPTimestamps: Equatable, Sendable {
    /// The sender's clock (TSval).
    public var value: UInt32
    /// The most recent TSval received from the peer (TSecr).
    public var echoReply: UInt32

    /// Creates the option.
    public init(value: UInt32, echoReply: UInt32) {
        self.value = value
        self.echoReply = echoReply
    }
}

/// The TCP options this stack understands; others are skipped when parsed.
///
/// ```swift
/// let synOptions = TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true,
///                             timestamps: TCPTimestamps(value: now, echoReply: 0))
/// synOptions.encodedLength   // 20
/// ```
public struct TCPOptions: Equatable, Sendable {
    /// Maximum segment size (kind 2), sent in SYNs.
    public var maximumSegmentSize: UInt16?
    /// Window scale shift (kind 3), sent in SYNs; parsed values above 14 read as 14.
    public var windowScale: UInt8?
    /// SACK permitted (kind 4), sent in SYNs.
    public var sackPermitted: Bool
    /// SACK blocks (kind 5): at most 4 are parsed, and only as many as fit are emitted.
    public var sackBlocks: [SACKBlock]
    /// Timestamps (kind 8).
    public var timestamps: TCPTimestamps?

    /// The longest options area a header can carry.
    static let maximumLength = 40

    /// Creates a set of options; the default has none.
    public init(maximumSegmentSize: UInt16? = nil, windowScale: UInt8? = nil, sackPermitted: Bool = false,
                sackBlocks: [SACKBlock] = [], timestamps: TCPTimestamps? = nil) {
        self.maximumSegmentSize = maximumSegmentSize
        self.windowScale = windowScale
        self.sackPermitted = sackPermitted
        self.sackBlocks = sackBlocks
        self.timestamps = timestamps
    }

    // Each option is emitted as a 4-byte-aligned group, padded with leading NOPs as Linux does:
    // MSS (4), SACK-permitted and timestamps together (4 + 12 or NOP NOP + either), window scale
    // as NOP + 3, SACK blocks as NOP NOP + 2 + 8n.

    /// Bytes taken by everything but the SACK blocks.
    private var fixedLength: Int {
        var length = 0
        if maximumSegmentSize != nil { length += 4 }
        if timestamps != nil {
            length += 12  // SACK-permitted, if any, takes the place of the two NOPs.
        } else if sackPermitted {
            length += 4
        }
        if windowScale != nil { length += 4 }
        return length
    }

    /// How many SACK blocks are emitted: as many as fit beside the other options, at most 4.
    private var emittedSACKBlockCount: Int {
        guard !sackBlocks.isEmpty else { return 0 }
        let room = (Self.maximumLength - fixedLength - 4) / 8
        return max(0, min(sackBlocks.count, 4, room))
    }

    /// Bytes the options take when emitted: a multiple of 4, at most 40.
    public var encodedLength: Int {
        let blocks = emittedSACKBlockCount
        return fixedLength + (blocks > 0 ? 4 + 8 * blocks : 0)
    }

    /// Appends the options, `encodedLength` bytes.
    func emit(into buffer: inout [UInt8]) {
        if let maximumSegmentSize {
            buffer.append(2); buffer.append(4)
            buffer.appendWire(maximumSegmentSize)
        }
        if sackPermitted {
            if timestamps == nil { buffer.append(1); buffer.append(1) }
            buffer.append(4); buffer.append(2)
        }
        if let timestamps {
            if !sackPermitted { buffer.append(1); buffer.append(1) }
            buffer.append(8); buffer.append(10)
            buffer.appendWire(timestamps.value)
            buffer.appendWire(timestamps.echoReply)
        }
        if let windowScale {
            buffer.append(1)
            buffer.append(3); buffer.append(3)
            buffer.append(windowScale)
        }
        let blocks = emittedSACKBlockCount
        if blocks > 0 {
            buffer.append(1); buffer.append(1)
            buffer.append(5); buffer.append(UInt8(truncatingIfNeeded: 2 + 8 * blocks))
            for block in sackBlocks.prefix(blocks) {
                buffer.appendWire(block.left)
                buffer.appendWire(block.right)
            }
        }
    }

    /// Reads the options area `bytes` (the header bytes after the first 20).
    static func parse(_ bytes: ArraySlice<UInt8>) throws(WireError) -> TCPOptions {
        var options = TCPOptions()
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let kind = bytes[index]
            if kind == 0 { break }             // End of option list.
            if kind == 1 { index += 1; continue } // No-operation.
            guard index + 1 < end else { throw .badOptions }
            let length = Int(bytes[index + 1])
            guard length >= 2, length <= end - index else { throw .badOptions }
            let body = index + 2
            switch kind {
            case 2:
                guard length == 4 else { throw .badOptions }
                options.maximumSegmentSize = UInt16(bytes[body]) << 8 | UInt16(bytes[body + 1])
            case 3:
                guard length == 3 else { throw .badOptions }
                options.windowScale = min(bytes[body], 14)
            case 4:
                guard length == 2 else { throw .badOptions }
                options.sackPermitted = true
            case 5:
                guard length >= 10, (length - 2) % 8 == 0 else { throw .badOptions }
                var blocks: [SACKBlock] = []
                var block = body
                while block < index + length, blocks.count < 4 {
                    let slice = bytes[block..<(block + 8)]
                    blocks.append(SACKBlock(left: slice.wireUInt32(at: 0), right: slice.wireUInt32(at: 4)))
                    block += 8
                }
                options.sackBlocks = blocks
            case 8:
                guard length == 10 else { throw .badOptions }
                let slice = bytes[body..<(body + 8)]
                options.timestamps = TCPTimestamps(value: slice.wireUInt32(at: 0), echoReply: slice.wireUInt32(at: 4))
            default:
                break  // Unknown: skipped by its length.
            }
            index += length
        }
        return options
    }
}

/// A TCP segment header (RFC 9293) with its options. The data offset and checksum are not
/// stored: they are checked when parsed and computed when emitted.
///
/// ```swift
/// let (header, data) = try TCPHeader.parse(ipPayload, source: ip.source, destination: ip.destination)
/// let reply = TCPHeader(sourcePort: header.destinationPort, destinationPort: header.sourcePort,
///                       sequenceNumber: 0, acknowledgmentNumber: header.sequenceNumber &+ 1,
///                       flags: [.rst, .ack], window: 0)
/// reply.emit(payload: [], source: me, destination: ip.source, into: &packet)
/// ```
public struct TCPHeader: Equatable, Sendable {
    /// The sender's port.
    public var sourcePort: UInt16
    /// The receiver's port.
    public var destinationPort: UInt16
    /// The sequence number of the first byte of data (or of the SYN).
    public var sequenceNumber: UInt32
    /// The next sequence number the sender expects, when `flags` has `.ack`.
    public var acknowledgmentNumber: UInt32
    /// The control bits.
    public var flags: TCPFlags
    /// The receive window, unscaled.
    public var window: UInt16
    /// The urgent pointer, when `flags` has `.urg`.
    public var urgentPointer: UInt16
    /// The options.
    public var options: TCPOptions

    /// Bytes in a header without options.
    public static let minimumLength = 20

    /// Creates a header.
    public init(sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32, acknowledgmentNumber: UInt32,
                flags: TCPFlags, window: UInt16, urgentPointer: UInt16 = 0, options: TCPOptions = TCPOptions()) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.flags = flags
        self.window = window
        self.urgentPointer = urgentPointer
        self.options = options
    }

    /// Reads and checks a segment; `source` and `destination` are the IP addresses its
    /// checksum covers, and `bytes` must be exactly the IP payload.
    ///
    /// Throws `.truncated` if `bytes` is shorter than 20 or than the data offset, `.badLength`
    /// if the data offset is below 5 words, `.badChecksum` if the checksum is wrong, and
    /// `.badOptions` if an option has the wrong length for its kind, a length below 2, or runs
    /// past the header. Unknown options are skipped.
    public static func parse(_ bytes: ArraySlice<UInt8>, source: IPv4Address, destination: IPv4Address) throws(WireError) -> (header: TCPHeader, payload: ArraySlice<UInt8>) {
        guard bytes.count >= minimumLength else { throw .truncated }
        let headerLength = Int(bytes.wireUInt8(at: 12) >> 4) * 4
        guard headerLength >= minimumLength else { throw .badLength }
        guard headerLength <= bytes.count else { throw .truncated }
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocol: IPProtocol.tcp.rawValue, length: bytes.count)
        sum.add(bytes)
        guard sum.value == 0 else { throw .badChecksum }
        let start = bytes.startIndex
        let options = headerLength == minimumLength
            ? TCPOptions()
            : try TCPOptions.parse(bytes[(start + minimumLength)..<(start + headerLength)])
        let header = TCPHeader(
            sourcePort: bytes.wireUInt16(at: 0), destinationPort: bytes.wireUInt16(at: 2),
            sequenceNumber: bytes.wireUInt32(at: 4), acknowledgmentNumber: bytes.wireUInt32(at: 8),
            flags: TCPFlags(rawValue: bytes.wireUInt8(at: 13)), window: bytes.wireUInt16(at: 14),
            urgentPointer: bytes.wireUInt16(at: 18), options: options)
        return (header, bytes[(start + headerLength)...])
    }

    /// Appends the header, its options and `payload` to `buffer`, with the checksum over the
    /// pseudo-header and all of them.
    public func emit(payload: ArraySlice<UInt8>, source: IPv4Address, destination: IPv4Address, into buffer: inout [UInt8]) {
        let start = buffer.count
        let headerLength = Self.minimumLength + options.encodedLength
        buffer.appendWire(sourcePort)
        buffer.appendWire(destinationPort)
        buffer.appendWire(sequenceNumber)
        buffer.appendWire(acknowledgmentNumber)
        buffer.append(UInt8(truncatingIfNeeded: headerLength / 4) << 4)
        buffer.append(flags.rawValue)
        buffer.appendWire(window)
        buffer.appendWire(UInt16(0))
        buffer.appendWire(urgentPointer)
        options.emit(into: &buffer)
        buffer.append(contentsOf: payload)
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocol: IPProtocol.tcp.rawValue,
                            length: buffer.count - start)
        sum.add(buffer[start...])
        buffer.storeWire(sum.value, at: start + 16)
    }
}
