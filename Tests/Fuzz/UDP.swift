// Fuzz target for UDPHeader.parse; built and run by Scripts/fuzz (seeds: Seeds/UDP.hex).
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUDP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.slice(data, size)
    check(bytes)
    if bytes.count >= UDPHeader.length {
        let length = Int(bytes[bytes.startIndex + 4]) << 8 | Int(bytes[bytes.startIndex + 5])
        check(FuzzInput.withChecksum(bytes, field: 6, covered: 0..<length, pseudoHeader: IPProtocol.udp.rawValue))
    }
    return 0
}

private func check(_ bytes: ArraySlice<UInt8>) {
    guard let (header, payload) = try? UDPHeader.parse(bytes, source: FuzzInput.source, destination: FuzzInput.destination)
    else { return }
    FuzzInput.require(FuzzInput.isInside(payload, bytes), "payload outside the input")
    var buffer: [UInt8] = []
    header.emit(payload: payload, source: FuzzInput.source, destination: FuzzInput.destination, into: &buffer)
    guard let (again, data) = try? UDPHeader.parse(buffer[...], source: FuzzInput.source, destination: FuzzInput.destination) else {
        FuzzInput.require(false, "an emitted datagram does not parse")
        return
    }
    FuzzInput.require(again == header && data == payload, "emit then parse differs")
}
