// Fuzz target for DNSMessage.parse; built and run by Scripts/fuzz (seeds: Seeds/DNS.hex).
// fuzz-sources: Sources/DNS/Wire/DNSWireError.swift Sources/DNS/Wire/DNSName.swift
// fuzz-sources: Sources/DNS/Wire/DNSRecord.swift Sources/DNS/Wire/DNSMessage.swift
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDNS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.slice(data, size)
    guard let message = try? DNSMessage.parse(bytes) else { return 0 }
    // What parses must survive emit (uncompressed) and parse again unchanged.
    var buffer: [UInt8] = []
    message.emit(into: &buffer)
    guard let again = try? DNSMessage.parse(buffer[...]) else {
        FuzzInput.require(false, "an emitted message does not parse")
        return 0
    }
    FuzzInput.require(again == message, "emit then parse differs")
    return 0
}
