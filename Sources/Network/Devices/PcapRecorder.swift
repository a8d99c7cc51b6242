import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

/// A ``NetworkInterface`` wrapper that records every frame, in both directions, as a classic
/// libpcap capture (`tcpdump -r`, Wireshark): Ethernet link type, microsecond timestamps,
/// snapshot length 65535, little-endian.
///
/// The capture goes to `sink` as it is made: first the 24-byte global header (during `init`),
/// then one record per frame that was received, or transmitted without error.
///
/// ```swift
/// var capture: [UInt8] = []
/// let recorder = PcapRecorder(tap, clock: { wallClock.now() }, sink: { capture += $0 })
/// ```
public final class PcapRecorder<Base: NetworkInterface>: NetworkInterface {
    /// The wrapped device.
    public let base: Base
    private let clock: () -> WallClockTime
    private let sink: (ArraySlice<UInt8>) -> Void

    /// The most bytes of a frame a record keeps.
    public static var snapshotLength: Int { 65_535 }

    /// Wraps `base`, stamping records with `clock` and handing the capture to `sink`.
    public init(_ base: Base, clock: @escaping () -> WallClockTime, sink: @escaping (ArraySlice<UInt8>) -> Void) {
        self.base = base
        self.clock = clock
        self.sink = sink
        var header: [UInt8] = []
        header.reserveCapacity(24)
        appendLittleEndian(0xA1B2_C3D4, to: &header)  // magic: microsecond timestamps
        appendLittleEndian(UInt32(2) | UInt32(4) << 16, to: &header)  // version 2.4
        appendLittleEndian(0, to: &header)  // time zone offset: UTC
        appendLittleEndian(0, to: &header)  // timestamp accuracy
        appendLittleEndian(UInt32(Self.snapshotLength), to: &header)
        appendLittleEndian(1, to: &header)  // LINKTYPE_ETHERNET
        sink(header[...])
    }

    /// The base device's address.
    public var macAddress: MACAddress { base.macAddress }
    /// The base device's MTU.
    public var mtu: Int { base.mtu }

    /// Receives a frame from the base device and records it.
    public func receive(into buffer: inout [UInt8]) async throws(NetError) -> Int {
        let length = try await base.receive(into: &buffer)
        record(buffer[0..<Swift.min(Swift.max(length, 0), buffer.count)])
        return length
    }

    /// Transmits a frame on the base device and records it.
    public func transmit(_ frame: [UInt8]) async throws(NetError) {
        try await base.transmit(frame)
        record(frame[...])
    }

    private func record(_ frame: ArraySlice<UInt8>) {
        let time = clock()
        let kept = frame.prefix(Self.snapshotLength)
        var record: [UInt8] = []
        record.reserveCapacity(16 + kept.count)
        // Classic pcap has 32-bit seconds: they wrap in 2106.
        appendLittleEndian(UInt32(truncatingIfNeeded: time.secondsSinceEpoch), to: &record)
        appendLittleEndian(Swift.min(time.nanoseconds, 999_999_999) / 1000, to: &record)
        appendLittleEndian(UInt32(truncatingIfNeeded: kept.count), to: &record)
        appendLittleEndian(UInt32(truncatingIfNeeded: frame.count), to: &record)
        record.append(contentsOf: kept)
        sink(record[...])
    }
}

private func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
    bytes.append(UInt8(truncatingIfNeeded: value))
    bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    bytes.append(UInt8(truncatingIfNeeded: value >> 16))
    bytes.append(UInt8(truncatingIfNeeded: value >> 24))
}
