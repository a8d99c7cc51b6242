// Fuzz target for TCPHeader.parse and the TCP options; built and run by Scripts/fuzz
// (seeds: Seeds/TCP.hex).
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTCP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.slice(data, size)
    check(bytes)
    check(FuzzInput.withChecksum(bytes, field: 16, covered: 0..<bytes.count, pseudoHeader: IPProtocol.tcp.rawValue))
    return 0
}

private func check(_ bytes: ArraySlice<UInt8>) {
    guard let (header, payload) = try? TCPHeader.parse(bytes, source: FuzzInput.source, destination: FuzzInput.destination)
    else { return }
    FuzzInput.require(FuzzInput.isInside(payload, bytes), "payload outside the input")
    let options = header.options
    FuzzInput.require(options.sackBlocks.count <= 4 && (options.windowScale ?? 0) <= 14, "option limits")
    FuzzInput.require(options.encodedLength <= 40 && options.encodedLength % 4 == 0, "encoded length")
    var buffer: [UInt8] = []
    header.emit(payload: payload, source: FuzzInput.source, destination: FuzzInput.destination, into: &buffer)
    FuzzInput.require(buffer.count == TCPHeader.minimumLength + options.encodedLength + payload.count, "emitted length")
    guard let (again, data) = try? TCPHeader.parse(buffer[...], source: FuzzInput.source, destination: FuzzInput.destination) else {
        FuzzInput.require(false, "an emitted segment does not parse")
        return
    }
    // SACK blocks beyond what fits beside the other options are dropped when emitted.
    var expected = header
    expected.options.sackBlocks = Array(options.sackBlocks.prefix(again.options.sackBlocks.count))
    FuzzInput.require(again == expected && data == payload, "emit then parse differs")
}
