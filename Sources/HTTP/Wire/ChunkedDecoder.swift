/// Decodes a chunked request body (RFC 9112 §7.1) as its bytes arrive, in any pieces.
struct ChunkedDecoder {
    enum Outcome: Equatable {
        /// Every byte given was used; more are needed.
        case needMore
        /// The body ended; `consumed` bytes of the last input belonged to it.
        case done(consumed: Int)
        /// The encoding is malformed or over a limit.
        case failure(HTTPError)
    }

    private enum State {
        case size
        case extensionText
        case sizeLineFeed
        case data
        case dataCarriageReturn
        case dataLineFeed
        case trailerLineStart
        case trailerLine
        case finalLineFeed
    }

    private var state = State.size
    private var remaining = 0
    private var sizeDigits = 0
    private var trailerBytes = 0
    private let maxBodySize: Int
    private let maxTrailerBytes: Int
    /// The body decoded so far.
    private(set) var body: [UInt8] = []

    init(maxBodySize: Int, maxTrailerBytes: Int) {
        self.maxBodySize = maxBodySize
        self.maxTrailerBytes = maxTrailerBytes
    }

    /// Consumes `input`, appending the data it carries to ``body``.
    mutating func consume(_ input: ArraySlice<UInt8>) -> Outcome {
        var index = input.startIndex
        while index < input.endIndex {
            let byte = input[index]
            switch state {
            case .size:
                if let digit = ASCII.hexDigit(byte) {
                    sizeDigits += 1
                    guard remaining <= (maxBodySize - digit) / 16 else {
                        return .failure(HTTPError(.contentTooLarge, "a chunk is over \(maxBodySize) bytes"))
                    }
                    remaining = remaining * 16 + digit
                } else {
                    guard sizeDigits > 0 else { return .failure(HTTPError(.badRequest, "malformed chunk size")) }
                    switch byte {
                    case UInt8(ascii: ";"), ASCII.space, ASCII.tab: state = .extensionText
                    case ASCII.cr: state = .sizeLineFeed
                    case ASCII.lf: state = endOfSizeLine()
                    default: return .failure(HTTPError(.badRequest, "malformed chunk size"))
                    }
                }
            case .extensionText:
                // Chunk extensions are read and ignored; their length counts against the trailer budget.
                trailerBytes += 1
                guard trailerBytes <= maxTrailerBytes else { return .failure(HTTPError(.requestHeaderFieldsTooLarge, "chunk extensions too long")) }
                if byte == ASCII.cr { state = .sizeLineFeed } else if byte == ASCII.lf { state = endOfSizeLine() }
            case .sizeLineFeed:
                guard byte == ASCII.lf else { return .failure(HTTPError(.badRequest, "malformed chunk size line")) }
                state = endOfSizeLine()
            case .data:
                let count = min(remaining, input.endIndex - index)
                guard body.count + count <= maxBodySize else {
                    return .failure(HTTPError(.contentTooLarge, "the body is over \(maxBodySize) bytes"))
                }
                body.append(contentsOf: input[index..<(index + count)])
                remaining -= count
                index += count
                if remaining == 0 { state = .dataCarriageReturn }
                continue
            case .dataCarriageReturn:
                if byte == ASCII.cr { state = .dataLineFeed } else if byte == ASCII.lf { state = .size } else {
                    return .failure(HTTPError(.badRequest, "chunk data longer than its size"))
                }
            case .dataLineFeed:
                guard byte == ASCII.lf else { return .failure(HTTPError(.badRequest, "chunk data longer than its size")) }
                state = .size
            case .trailerLineStart:
                if byte == ASCII.cr {
                    state = .finalLineFeed
                } else if byte == ASCII.lf {
                    return .done(consumed: index + 1 - input.startIndex)
                } else {
                    state = .trailerLine
                    trailerBytes += 1
                }
            case .trailerLine:
                trailerBytes += 1
                guard trailerBytes <= maxTrailerBytes else { return .failure(HTTPError(.requestHeaderFieldsTooLarge, "trailer section too large")) }
                if byte == ASCII.lf { state = .trailerLineStart }
            case .finalLineFeed:
                guard byte == ASCII.lf else { return .failure(HTTPError(.badRequest, "malformed end of a chunked body")) }
                return .done(consumed: index + 1 - input.startIndex)
            }
            index += 1
        }
        return .needMore
    }

    /// The state after a chunk-size line: its data, or the trailer after the last (zero) chunk.
    private mutating func endOfSizeLine() -> State {
        sizeDigits = 0
        return remaining == 0 ? .trailerLineStart : .data
    }
}
