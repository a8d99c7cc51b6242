import Foundation
import Testing
import SwiftletStorage

@Suite struct SHA256Tests {
    @Test func knownDigests() {
        #expect(SHA256.hash([]).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Every length around the block and padding boundaries, fed whole and in odd pieces,
    /// against the system's `sha256sum`.
    @Test func agreesWithSha256sumInAnyPieces() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 100_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var pieces = SHA256()
            var index = 0
            while index < bytes.count {
                let step = min(Int.random(in: 1...97, using: &generator), bytes.count - index)
                pieces.update(bytes[index..<(index + step)])
                index += step
            }
            let expected = try sha256sum(bytes)
            #expect(SHA256.hash(bytes).hex == expected, "length \(length)")
            #expect(pieces.finalize().hex == expected, "length \(length) in pieces")
        }
    }

    private func sha256sum(_ bytes: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output.prefix(64), as: UTF8.self)
    }
}
