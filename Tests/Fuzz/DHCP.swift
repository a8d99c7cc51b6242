// Fuzz target for DHCPMessage.parse; built and run by Scripts/fuzz (seeds: Seeds/DHCP.hex).
// fuzz-sources: Sources/Network/DHCP/DHCPMessage.swift Sources/Network/Interface/IPv4Route.swift
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDHCP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.slice(data, size)
    guard let message = try? DHCPMessage.parse(bytes) else { return 0 }
    // What parses must survive emit and parse again unchanged.
    var buffer: [UInt8] = []
    message.emit(into: &buffer)
    guard let again = try? DHCPMessage.parse(buffer[...]) else {
        FuzzInput.require(false, "an emitted message does not parse")
        return 0
    }
    FuzzInput.require(again == message, "emit then parse differs")
    return 0
}
