// Fuzz target for SwiftletTLS's record layer framing: RecordDeframer (whole and in pieces) and
// Alert.parse; built and run by Scripts/fuzz (seeds: Seeds/TLSRecord.hex).
// fuzz-sources: Sources/TLS/TLSError.swift Sources/TLS/Messages/*.swift Sources/TLS/Record/RecordDeframer.swift
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTLSRecord(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(FuzzInput.slice(data, size))
    let whole = records(of: [bytes])
    // The same bytes in pieces of 1 to 7 bytes must give the same records.
    var pieces: [[UInt8]] = []
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + 1 + Int(bytes[offset] % 7))
        pieces.append(Array(bytes[offset..<end]))
        offset = end
    }
    FuzzInput.require(records(of: pieces) == whole, "split input gives other records")
    return 0
}

private func records(of pieces: [[UInt8]]) -> [TLSRecord] {
    var deframer = RecordDeframer()
    var records: [TLSRecord] = []
    var failed = false
    for piece in pieces where !failed {
        deframer.append(piece)
        while true {
            let next: TLSRecord?
            do { next = try deframer.next() } catch { failed = true; break }
            guard let record = next else { break }
            FuzzInput.require(record.fragment.count <= RecordDeframer.maximumCiphertextLength, "record too long")
            FuzzInput.require(record.encoded.count == 5 + record.fragment.count, "re-encoding differs")
            if record.contentType == .alert, let alert = try? Alert.parse(record.fragment) {
                FuzzInput.require(alert.encoded == record.fragment, "alert round trip")
                _ = alert.description.name
            }
            records.append(record)
        }
        FuzzInput.require(deframer.bufferedCount <= 5 + RecordDeframer.maximumCiphertextLength + piece.count, "buffer unbounded")
    }
    return records
}
