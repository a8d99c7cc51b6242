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

    @Test func tcpdumpOrTsharkReadsTheCapture() throws {
        let readers = [("/usr/bin/tcpdump", ["-nn", "-e", "-r"]), ("/usr/sbin/tcpdump", ["-nn", "-e", "-r"]),
                       ("/usr/bin/tshark", ["-r"])]
        guard let (reader, arguments) = readers.first(where: { FileManager.default.isExecutableFile(atPath: $0.0) }) else {
            print("PcapRecorderTests: skipped reading the capture back: neither tcpdump nor tshark is installed")
            return
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-\(UUID().uuidString).pcap")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(try capture()).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: reader)
        process.arguments = arguments + [file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.split(separator: "\n").count == 2, "\(reader) read: \(text)")
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
