// Fuzz target for SwiftletX509's PEM and Base64; built and run by Scripts/fuzz (seeds: Seeds/PEM.hex).
// fuzz-sources: Sources/X509/PEM/*.swift
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPEM(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(FuzzInput.slice(data, size))
    if let blocks = try? PEM.parse(bytes: bytes) {
        FuzzInput.require(!blocks.isEmpty, "no blocks but no error")
        var text = ""
        for block in blocks { text += block.pemText }
        FuzzInput.require((try? PEM.parse(text)) == blocks, "encode then parse differs")
    }
    if let decoded = Base64.decode(bytes) {
        FuzzInput.require(Base64.decode(Base64.encode(decoded)) == decoded, "Base64 round trip")
    }
    return 0
}
