// Fuzz target for EthernetHeader.parse; built and run by Scripts/fuzz (seeds: Seeds/Ethernet.hex).
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEthernet(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.slice(data, size)
    guard let (header, payload) = try? EthernetHeader.parse(bytes) else { return 0 }
    FuzzInput.require(FuzzInput.isInside(payload, bytes), "payload outside the input")
    FuzzInput.require(payload.count == bytes.count - EthernetHeader.length, "payload is not the rest")
    var buffer: [UInt8] = []
    header.emit(into: &buffer)
    FuzzInput.require(buffer[...] == bytes.prefix(EthernetHeader.length), "emit differs from the input")
    return 0
}
