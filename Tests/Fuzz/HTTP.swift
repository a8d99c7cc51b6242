// Fuzz target for the HTTP server's parsers: RequestHeadParser.parse and bodyFraming,
// ChunkedDecoder, and HTTPDate; built and run by Scripts/fuzz (seeds: Seeds/HTTP.hex).
// The first input byte seeds the piece sizes; the rest is what a client sends on one connection.
// fuzz-sources: Sources/HTTP/Wire/ASCII.swift Sources/HTTP/Wire/ChunkedDecoder.swift
// fuzz-sources: Sources/HTTP/Wire/HTTPDate.swift Sources/HTTP/Wire/RequestHeadParser.swift
// fuzz-sources: Sources/HTTP/Message/HTTPHeaders.swift Sources/HTTP/Message/HTTPMethod.swift
// fuzz-sources: Sources/HTTP/Message/HTTPRequest.swift Sources/HTTP/Message/HTTPResponse.swift
// fuzz-sources: Sources/HTTP/Message/HTTPStatus.swift Sources/HTTP/Server/HTTPServerConfiguration.swift
// fuzz-sources: Sources/HTTP/Web/HTML.swift
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput.slice(data, size)
    guard let first = input.first else { return 0 }
    let bytes = input.dropFirst()
    // The server's defaults, and limits small enough for the fuzzer's inputs to cross them.
    var small = HTTPServerConfiguration()
    small.maxRequestLineLength = 40
    small.maxHeaderBytes = 120
    small.maxHeaderCount = 4
    small.maxBodySize = 64
    for configuration in [HTTPServerConfiguration(), small] {
        var pieces = PieceSizes(seed: first)
        checkConnection(bytes, configuration, &pieces)
        // The decoder on its own, so the fuzzer need not build a head to reach it.
        checkChunked(bytes, maxBodySize: configuration.maxBodySize, maxTrailerBytes: configuration.maxHeaderBytes, &pieces)
    }
    checkDateFormat(bytes)
    return 0
}

/// Piece sizes from 1 to 16 drawn from a small generator seeded by the input's first byte.
private struct PieceSizes {
    private var state: UInt32

    init(seed: UInt8) { state = UInt32(seed) &* 0x9E37_79B9 | 1 }

    mutating func next() -> Int {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return Int(state % 16) + 1
    }
}

/// Parses requests one after another from `bytes` as the server does on one connection.
private func checkConnection(_ bytes: ArraySlice<UInt8>, _ configuration: HTTPServerConfiguration, _ pieces: inout PieceSizes) {
    let parser = RequestHeadParser(configuration: configuration)
    var rest = bytes
    for _ in 0..<8 {
        let result = parser.parse(rest)
        checkPrefixes(of: rest, parser, result, &pieces)
        guard case .complete(let head, let consumed) = result else { return }
        FuzzInput.require(consumed > 0 && consumed <= rest.count, "head consumed outside the input")
        for field in head.headers { checkDate(field.value) }
        rest = rest.dropFirst(consumed)
        switch RequestHeadParser.bodyFraming(head.headers, maxBodySize: configuration.maxBodySize) {
        case .failure:
            return
        case .success(.none):
            break
        case .success(.length(let length)):
            FuzzInput.require(length > 0 && length <= configuration.maxBodySize, "Content-Length outside the limit")
            guard rest.count >= length else { return }
            rest = rest.dropFirst(length)
        case .success(.chunked):
            guard let consumed = checkChunked(rest, maxBodySize: configuration.maxBodySize,
                                              maxTrailerBytes: configuration.maxHeaderBytes, &pieces) else { return }
            rest = rest.dropFirst(consumed)
        }
    }
}

/// The server parses again from the start whenever bytes arrive, so a prefix of a head must be
/// incomplete, and a prefix that holds a whole head must give the same head. Tried at random
/// lengths and just before each of the first line feeds (where a line's CR has arrived but its LF not).
private func checkPrefixes(of bytes: ArraySlice<UInt8>, _ parser: RequestHeadParser, _ whole: HeadParseResult,
                           _ pieces: inout PieceSizes) {
    var ends: [Int] = []
    var end = bytes.startIndex
    for _ in 0..<4 {
        end = min(end + pieces.next() * pieces.next(), bytes.endIndex)
        ends.append(end)
    }
    var lineFeeds = 0
    for index in bytes.indices where bytes[index] == ASCII.lf && lineFeeds < 16 {
        lineFeeds += 1
        ends.append(index)
    }
    for end in ends {
        switch (parser.parse(bytes[..<end]), whole) {
        case (.incomplete, .complete(_, let consumed)):
            FuzzInput.require(end - bytes.startIndex < consumed, "a prefix holding the whole head is incomplete")
        case (.incomplete, _):
            break
        case (.complete(let head, let consumed), .complete(let expected, let expectedConsumed)):
            FuzzInput.require(consumed == expectedConsumed && same(head, expected), "a prefix gives another head")
        case (.failure(let status, _), .failure(let expected, _)):
            FuzzInput.require(status == expected, "a prefix fails with another status")
        case (.failure, _):
            FuzzInput.require(false, "a prefix fails where the whole input does not")
        case (.complete, _):
            FuzzInput.require(false, "a prefix is complete where the whole input is not")
        }
    }
}

private func same(_ a: HTTPRequestHead, _ b: HTTPRequestHead) -> Bool {
    guard a.method == b.method, a.target == b.target, a.version == b.version, a.headers.count == b.headers.count
    else { return false }
    for (x, y) in zip(a.headers.fields, b.headers.fields) where x.name != y.name || x.value != y.value { return false }
    return true
}

/// Decodes `bytes` as a chunked body in one piece and in pieces; both must agree. Returns how
/// many bytes the body took when it ended.
@discardableResult
private func checkChunked(_ bytes: ArraySlice<UInt8>, maxBodySize: Int, maxTrailerBytes: Int,
                          _ pieces: inout PieceSizes) -> Int? {
    var whole = ChunkedDecoder(maxBodySize: maxBodySize, maxTrailerBytes: maxTrailerBytes)
    let outcome = whole.consume(bytes)
    var inPieces = ChunkedDecoder(maxBodySize: maxBodySize, maxTrailerBytes: maxTrailerBytes)
    var start = bytes.startIndex
    var pieceOutcome = ChunkedDecoder.Outcome.needMore
    while start < bytes.endIndex {
        let end = min(start + pieces.next(), bytes.endIndex)
        pieceOutcome = inPieces.consume(bytes[start..<end])
        if case .done(let consumed) = pieceOutcome {
            FuzzInput.require(consumed > 0 && consumed <= end - start, "chunked consumed outside the piece")
            pieceOutcome = .done(consumed: start - bytes.startIndex + consumed)
        }
        if pieceOutcome != .needMore { break }
        start = end
    }
    FuzzInput.require(pieceOutcome == outcome, "chunked outcome depends on the pieces")
    switch outcome {
    case .done(let consumed):
        FuzzInput.require(consumed > 0 && consumed <= bytes.count, "chunked consumed outside the input")
        FuzzInput.require(whole.body == inPieces.body && whole.body.count <= maxBodySize, "chunked body")
        return consumed
    case .needMore:
        FuzzInput.require(whole.body == inPieces.body && whole.body.count <= maxBodySize, "chunked body")
        return nil
    case .failure:
        return nil
    }
}

/// The first second format cannot write: it has four digits for the year.
private let endOfYear9999: Int64 = 253_402_300_800

/// A date that parses formats to a text that parses to the same time.
private func checkDate(_ text: String) {
    // 23:59:60 on the last day of 9999 parses to a second of year 10000, which format clamps.
    guard let time = HTTPDate.parse(text), time.secondsSinceEpoch < endOfYear9999 else { return }
    let formatted = HTTPDate.format(time)
    FuzzInput.require(formatted.utf8.count == 29, "formatted date length")
    FuzzInput.require(HTTPDate.parse(formatted) == time, "format then parse differs")
}

/// Formats the time the input's first eight bytes spell (limited to four-digit years) and parses it back.
private func checkDateFormat(_ bytes: ArraySlice<UInt8>) {
    guard bytes.count >= 8 else { return }
    var seconds: Int64 = 0
    for byte in bytes.prefix(8) { seconds = seconds << 8 | Int64(byte) }
    let range = endOfYear9999 + 62_167_219_200  // from 0000-01-01
    let time = WallClockTime(secondsSinceEpoch: (seconds % range + range) % range - 62_167_219_200)
    let text = HTTPDate.format(time)
    FuzzInput.require(HTTPDate.parse(text) == time, "format then parse differs")
    checkDate(text)
}
