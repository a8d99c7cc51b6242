// Fuzz target for ARPPacket.parse; built and run by Scripts/fuzz (seeds: Seeds/ARP.hex).
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzARP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.slice(data, size)
    guard let packet = try? ARPPacket.parse(bytes) else { return 0 }
    var buffer: [UInt8] = []
    packet.emit(into: &buffer)
    FuzzInput.require(buffer[...] == bytes.prefix(ARPPacket.length), "emit differs from the input")
    return 0
}
