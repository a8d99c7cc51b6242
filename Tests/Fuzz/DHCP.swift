import SwiftletNet

/// libFuzzer entry point: `DHCPMessage.parse` must return or throw, never trap, on any input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDHCPMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = ArraySlice(UnsafeBufferPointer(start: data, count: size))
    _ = try? DHCPMessage.parse(bytes)
    return 0
}
