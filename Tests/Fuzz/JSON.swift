// Fuzz target for the ACME client's JSON reader and writer, its base64url decoder and its
// readings of the CA's objects (Sources/ACME/JSON, JWS/Base64URL.swift, Client/ACMEObjects.swift); built and run by Scripts/fuzz
// (seeds: Seeds/JSON.hex). The input is a response body as a CA could send it.
// fuzz-sources: Sources/ACME/JSON/JSONValue.swift Sources/ACME/JSON/JSONReader.swift
// fuzz-sources: Sources/ACME/JSON/JSONWriter.swift Sources/ACME/JWS/Base64URL.swift
// fuzz-sources: Sources/ACME/Client/ACMEObjects.swift Sources/ACME/Client/ACMEError.swift

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput.slice(data, size)
    // Small limits so that the fuzzer crosses them; the defaults so that it reaches deep values.
    for reader in [JSONReader(), JSONReader(maxBytes: 64, maxDepth: 3)] {
        guard let value = try? reader.read(input) else { continue }
        FuzzInput.require(input.count <= reader.maxBytes, "read more than maxBytes")
        // What was read writes to text that reads back to the same value, in both key orders.
        let written = JSONWriter.bytes(value)
        FuzzInput.require((try? JSONReader(maxBytes: Int.max, maxDepth: reader.maxDepth).read(written)) == value,
                          "write then read differs")
        let sorted = JSONWriter.bytes(value, sortingKeys: true)
        FuzzInput.require(sorted.count == written.count, "sorted output has another length")
        guard let again = try? JSONReader(maxBytes: Int.max, maxDepth: reader.maxDepth).read(sorted) else {
            FuzzInput.require(false, "sorted output does not read")
            return 0
        }
        FuzzInput.require(JSONWriter.bytes(again, sortingKeys: true) == sorted, "sorted output is not stable")
        FuzzInput.require(written.count <= input.count * 6 + 2, "written text is far longer than the input")
        // The client's readings of CA objects take any value without trapping.
        _ = try? ACMEDirectory(json: value)
        _ = try? ACMEOrder(json: value, url: "u")
        _ = try? ACMEAuthorization(json: value, url: "u")
        _ = try? ACMEChallenge(json: value)
        _ = ACMEProblem(json: value).description
    }
    // Whatever base64url decodes encodes back to the same text.
    let text = String(decoding: input, as: UTF8.self)
    if let bytes = Base64URL.decode(text) {
        FuzzInput.require(Base64URL.encode(bytes) == text, "base64url decode then encode differs")
        FuzzInput.require(Base64URL.isAlphabet(text) || text.isEmpty, "decoded text outside the alphabet")
    }
    return 0
}
