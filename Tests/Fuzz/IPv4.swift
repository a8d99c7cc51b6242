// Fuzz target for IPv4Header.parse; built and run by Scripts/fuzz (seeds: Seeds/IPv4.hex).
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIPv4(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.slice(data, size)
    check(bytes)
    // Again with the header checksum right, to get past it.
    if let first = bytes.first {
        check(FuzzInput.withChecksum(bytes, field: 10, covered: 0..<(Int(first & 0x0F) * 4)))
    }
    return 0
}

private func check(_ bytes: ArraySlice<UInt8>) {
    guard let (header, payload) = try? IPv4Header.parse(bytes) else { return }
    FuzzInput.require(FuzzInput.isInside(payload, bytes), "payload outside the input")
    FuzzInput.require(payload.count == header.totalLength - header.headerLength, "payload length")
    var buffer: [UInt8] = []
    header.emit(into: &buffer)
    buffer.append(contentsOf: payload)
    guard let (again, data) = try? IPv4Header.parse(buffer[...]) else {
        FuzzInput.require(false, "an emitted header does not parse")
        return
    }
    var expected = header
    expected.headerLength = IPv4Header.minimumLength
    expected.totalLength = IPv4Header.minimumLength + payload.count
    FuzzInput.require(again == expected && data == payload, "emit then parse differs")
}
