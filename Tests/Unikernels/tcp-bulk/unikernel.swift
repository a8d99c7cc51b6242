import SwiftletDevices
import SwiftletRuntime

/// Bulk TCP both ways, checked with POSIX `cksum`:
/// - port 8080 reads everything a client sends and answers `CRC LENGTH\n`, as `cksum` prints it;
/// - port 8081 sends `--bytes` bytes of a fixed pattern, closes, and logs their `cksum`.
struct TCPBulk<Stack: NetworkStack> {
    let stack: Stack

    func start() async throws(NetError) {
        let sink = try await stack.listen(port: 8080, backlog: 16)
        let source = try await stack.listen(port: 8081, backlog: 16)
        Log.info("listening on TCP ports 8080 (sink) and 8081 (source)")
        Task {
            while let connection = try? await source.accept() {
                Task { await send(to: connection) }
            }
        }
        while true {
            let connection = try await sink.accept()
            Task { await receive(from: connection) }
        }
    }

    private func receive(from connection: Stack.Listener.Connection) async {
        var checksum = POSIXChecksum()
        do {
            while let bytes = try await connection.read(maxLength: 65536) { checksum.add(bytes) }
            let answer = "\(checksum.value) \(checksum.length)\n"
            Log.info("received \(checksum.length) bytes, cksum \(checksum.value)")
            try await connection.write(Array(answer.utf8))
        } catch {
            Log.warning("sink connection failed: \(error)")
        }
        await connection.close()
    }

    private func send(to connection: Stack.Listener.Connection) async {
        var checksum = POSIXChecksum()
        var state: UInt32 = 2_463_534_242
        var remaining = Keys.bytes
        var chunk = [UInt8](repeating: 0, count: 65536)
        do {
            while remaining > 0 {
                let count = min(remaining, chunk.count)
                if count < chunk.count { chunk.removeLast(chunk.count - count) }
                for index in 0..<count {
                    // xorshift32: a pattern with no short period.
                    state ^= state << 13
                    state ^= state >> 17
                    state ^= state << 5
                    chunk[index] = UInt8(truncatingIfNeeded: state)
                }
                checksum.add(chunk)
                try await connection.write(chunk)
                remaining -= count
            }
            try await connection.closeWrite()
            Log.info("sent \(checksum.length) bytes, cksum \(checksum.value)")
            while try await connection.read(maxLength: 4096) != nil {}
        } catch {
            Log.warning("source connection failed: \(error)")
        }
        await connection.close()
    }
}

/// The checksum of POSIX `cksum`: CRC-32 (polynomial 0x04C11DB7, most significant bit first)
/// over the data and then its length, complemented.
struct POSIXChecksum {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index) << 24
        for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? crc << 1 ^ 0x04C1_1DB7 : crc << 1 }
        return crc
    }
    private var crc: UInt32 = 0
    private(set) var length = 0

    mutating func add(_ bytes: [UInt8]) {
        let table = Self.table
        for byte in bytes { crc = crc << 8 ^ table[Int(UInt8(truncatingIfNeeded: crc >> 24) ^ byte)] }
        length += bytes.count
    }

    var value: UInt32 {
        var crc = self.crc
        var length = self.length
        while length > 0 {
            crc = crc << 8 ^ Self.table[Int(UInt8(truncatingIfNeeded: crc >> 24) ^ UInt8(truncatingIfNeeded: length))]
            length >>= 8
        }
        return ~crc
    }
}
