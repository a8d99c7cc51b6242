// Fuzz target for SwiftletX509's DERReader; built and run by Scripts/fuzz (seeds: Seeds/DER.hex).
// fuzz-sources: Sources/X509/DER/*.swift
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDER(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = DERReader(FuzzInput.slice(data, size))
    var budget = 10_000
    walk(&reader, budget: &budget)
    return 0
}

/// Reads every element, descends into constructed ones, and tries each typed reader on the
/// primitive ones; re-encoding an element must give back its bytes.
private func walk(_ reader: inout DERReader, budget: inout Int) {
    while !reader.isAtEnd && budget > 0 {
        budget -= 1
        guard let element = try? reader.readElement() else { return }
        FuzzInput.require(element.encoded.endIndex - element.content.endIndex == 0, "content not at the end")
        var builder = DERBuilder()
        builder.element(tag: element.tag, content: element.content)
        FuzzInput.require(builder.bytes.elementsEqual(element.encoded), "re-encoding differs")
        if DERTag.isConstructed(element.tag) {
            if var inner = try? reader.reader(into: element) { walk(&inner, budget: &budget) }
            continue
        }
        let single = DERReader(element.encoded)
        var copy = single
        _ = try? copy.readIntegerBytes(tag: element.tag)
        copy = single
        if let value = try? copy.readSmallInteger(tag: element.tag) {
            var again = DERBuilder()
            again.integer(value)
            var check = DERReader(again.bytes)
            FuzzInput.require((try? check.readSmallInteger()) == value, "INTEGER round trip")
        }
        copy = single; _ = try? copy.readBoolean()
        copy = single; _ = try? copy.readBitString(tag: element.tag)
        copy = single; _ = try? copy.readNull()
        copy = single
        if let identifier = try? copy.readObjectIdentifier() {
            _ = identifier.description
            FuzzInput.require(ASN1ObjectIdentifier(arcsOf: identifier) == identifier, "OID arcs round trip")
        }
        copy = single; _ = try? copy.readString()
        copy = single
        if let time = try? copy.readTime() {
            var again = DERBuilder()
            again.time(time)
            var check = DERReader(again.bytes)
            FuzzInput.require((try? check.readTime()) == time, "time round trip")
        }
    }
}

extension ASN1ObjectIdentifier {
    /// The identifier rebuilt from its arcs.
    init(arcsOf identifier: ASN1ObjectIdentifier) {
        let arcs = identifier.arcs
        var bytes: [UInt8] = []
        func append(_ value: UInt64) {
            var groups: [UInt8] = [UInt8(value & 0x7F)]
            var rest = value >> 7
            while rest > 0 { groups.append(UInt8(rest & 0x7F) | 0x80); rest >>= 7 }
            bytes.append(contentsOf: groups.reversed())
        }
        if arcs.count >= 2 {
            append(arcs[0] * 40 + arcs[1])
            for arc in arcs.dropFirst(2) { append(arc) }
        }
        self = (try? ASN1ObjectIdentifier(content: bytes[...])) ?? identifier
    }
}
