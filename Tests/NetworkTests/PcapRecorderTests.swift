import Foundation
import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletNet

@Suite struct PcapRecorderTests {
    /// Two frames, one each way, with known timestamps, as a byte stream.
    func capture() throws -> [UInt8] {
        let base = ScriptedInterface()
        let incoming = Array(testFrame(2, length: 16))
        base.toReceive = [incoming]
        var times = [WallClockTime(secondsSinceEpoch: 1_700_000_000, nanoseconds: 123_456_789),
                     WallClockTime(secondsSinceEpoch: 1_700_000_001, nanoseconds: 999_999_999)]
        var stream: [UInt8] = []
        var pieces = 0
        let recorder = PcapRecorder(base, clock: { times.removeFirst() }, sink: { stream += $0; pieces += 1 })
        #expect(stream.count == 24, "the global header comes first, on its own")
        try simulate { _ in
            try await recorder.transmit(testFrame(1, length: 20))
            #expect(try await receiveFrame(recorder) == incoming)
        }
        #expect(pieces == 3)
        #expect(base.transmitted == [testFrame(1, length: 20)])
        return stream
    }

    @Test func streamMatchesTheClassicPcapFormat() throws {
        let stream = try capture()
        let expected =
            // Global header: magic, version 2.4, zone 0, accuracy 0, snaplen 65535, Ethernet.
            "d4c3b2a1 02000400 00000000 00000000 ffff0000 01000000" +
            // Frame 1 (transmitted): 1700000000 s, 123456 µs, 20 of 20 bytes.
            "00f15365 40e20100 14000000 14000000" +
            "ffffffffffff 020000000001 88b5 00000001 7f86" +
            // Frame 2 (received): 1700000001 s, 999999 µs, 16 of 16 bytes.
            "01f15365 3f420f00 10000000 10000000" +
            "ffffffffffff 020000000001 88b5 0000"
        #expect(hex(stream) == expected.replacingOccurrences(of: " ", with: ""))
    }

    /// Every reader installed reads the capture and writes it back out as a classic pcap file:
    /// the frames it wrote are the ones recorded, byte for byte. Comparing files, not the
    /// reader's text, keeps the test independent of how a version prints frames.
    @Test func tcpdumpOrTsharkReadsTheCapture() throws {
        let readers = [("/usr/bin/tcpdump", ["-r", "IN", "-w", "OUT"]), ("/usr/sbin/tcpdump", ["-r", "IN", "-w", "OUT"]),
                       ("/usr/bin/tshark", ["-r", "IN", "-F", "pcap", "-w", "OUT"])]
        let installed = readers.filter { FileManager.default.isExecutableFile(atPath: $0.0) }
        guard !installed.isEmpty else {
            print("PcapRecorderTests: skipped reading the capture back: neither tcpdump nor tshark is installed")
            return
        }
        let stream = try capture()
        let records = pcapRecords(stream)
        #expect(records.count == 2)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("in.pcap")
        try Data(stream).write(to: file)
        for (reader, arguments) in installed where !(reader == "/usr/sbin/tcpdump" && installed.contains { $0.0 == "/usr/bin/tcpdump" }) {
            let copy = directory.appendingPathComponent("out-\(URL(fileURLWithPath: reader).lastPathComponent).pcap")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: reader)
            process.arguments = arguments.map { $0 == "IN" ? file.path : $0 == "OUT" ? copy.path : $0 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(reader) could not read the capture")
            let written = pcapRecords(Array((try? Data(contentsOf: copy)) ?? Data()))
            #expect(written.map(\.data) == records.map(\.data), "\(reader) read other frames than were recorded")
            #expect(written.map(\.seconds) == records.map(\.seconds))
        }
    }
}

/// The records of a classic little-endian pcap stream (microsecond or nanosecond magic): each
/// frame's seconds and bytes. Empty when the stream is not one.
func pcapRecords(_ stream: [UInt8]) -> [(seconds: UInt32, data: [UInt8])] {
    func word(_ at: Int) -> UInt32 {
        UInt32(stream[at]) | UInt32(stream[at + 1]) << 8 | UInt32(stream[at + 2]) << 16 | UInt32(stream[at + 3]) << 24
    }
    guard stream.count >= 24, word(0) == 0xa1b2_c3d4 || word(0) == 0xa1b2_3c4d else { return [] }
    var records: [(seconds: UInt32, data: [UInt8])] = []
    var at = 24
    while at + 16 <= stream.count {
        let length = Int(word(at + 8))
        guard at + 16 + length <= stream.count else { break }
        records.append((word(at), Array(stream[(at + 16)..<(at + 16 + length)])))
        at += 16 + length
    }
    return records
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
