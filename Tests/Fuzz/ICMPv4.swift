// Fuzz target for ICMPv4Message.parse; built and run by Scripts/fuzz (seeds: Seeds/ICMPv4.hex).
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzICMPv4(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.slice(data, size)
    check(bytes)
    check(FuzzInput.withChecksum(bytes, field: 2, covered: 0..<bytes.count))
    return 0
}

private func check(_ bytes: ArraySlice<UInt8>) {
    guard let (message, payload) = try? ICMPv4Message.parse(bytes) else { return }
    FuzzInput.require(FuzzInput.isInside(payload, bytes), "payload outside the input")
    var buffer: [UInt8] = []
    message.emit(payload: payload, into: &buffer)
    guard let (again, data) = try? ICMPv4Message.parse(buffer[...]) else {
        FuzzInput.require(false, "an emitted message does not parse")
        return
    }
    FuzzInput.require(again == message && data == payload, "emit then parse differs")
}
