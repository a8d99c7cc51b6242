import Testing
import SwiftletDevices
import SwiftletNet

/// A seeded generator, so failures replay.
private typealias ReassemblySeededGenerator = SplitMix64

private struct TestFragment {
    var offset: Int
    var moreFragments: Bool
    var payload: ArraySlice<UInt8>
}

@Suite struct IPv4ReassemblerTests {
    typealias Reassembler = IPv4Reassembler
    static let start = MonotonicInstant(nanoseconds: 5_000_000_000)
    static func key(_ identification: UInt16) -> Reassembler.Key {
        Reassembler.Key(source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 2),
                        protocolNumber: 17, identification: identification)
    }

    static func payload(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = ReassemblySeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Cuts `payload` into fragments of `size` bytes (a multiple of 8), the last one shorter.
    private static func fragments(of payload: [UInt8], size: Int) -> [TestFragment] {
        var result: [TestFragment] = []
        var offset = 0
        repeat {
            let end = min(offset + size, payload.count)
            result.append(TestFragment(offset: offset, moreFragments: end < payload.count, payload: payload[offset..<end]))
            offset = end
        } while offset < payload.count
        return result
    }

    /// Adds `fragments` in order, expecting `.incomplete` for all but the last and the whole
    /// payload from the last.
    private static func expectReassembly(_ fragments: [TestFragment], of payload: [UInt8],
                                         into reassembler: inout Reassembler, key: Reassembler.Key) {
        for (index, fragment) in fragments.enumerated() {
            let outcome = reassembler.add(key, offset: fragment.offset, moreFragments: fragment.moreFragments,
                                          payload: fragment.payload, now: start)
            if index == fragments.count - 1 {
                #expect(outcome == .complete(payload))
            } else {
                #expect(outcome == .incomplete, "fragment \(index)")
            }
        }
        #expect(reassembler.bufferedBytes == 0)
        #expect(reassembler.count == 0)
        #expect(reassembler.nextDeadline == nil)
    }

    /// The largest datagram, in 45 fragments of 1456 bytes (the last one 1451).
    static let largest = payload(Reassembler.maximumPayload, seed: 1)

    @Test func anUnfragmentedDatagramIsCompleteAtOnce() {
        var reassembler = Reassembler()
        #expect(reassembler.add(Self.key(1), offset: 0, moreFragments: false, payload: [1, 2, 3], now: Self.start)
                == .complete([1, 2, 3]))
        #expect(reassembler.count == 0)
    }

    @Test func fragmentsInOrder() {
        let fragments = Self.fragments(of: Self.largest, size: 1456)
        #expect(fragments.count == 45)
        var reassembler = Reassembler()
        Self.expectReassembly(fragments, of: Self.largest, into: &reassembler, key: Self.key(1))
    }

    @Test func fragmentsInReverse() {
        var reassembler = Reassembler()
        Self.expectReassembly(Self.fragments(of: Self.largest, size: 1456).reversed(), of: Self.largest,
                              into: &reassembler, key: Self.key(1))
        let small = Self.payload(100, seed: 2)
        Self.expectReassembly(Self.fragments(of: small, size: 8).reversed(), of: small, into: &reassembler, key: Self.key(2))
    }

    @Test(arguments: 1...20 as ClosedRange<UInt64>)
    func fragmentsShuffled(seed: UInt64) {
        var generator = ReassemblySeededGenerator(seed: seed)
        let size = 8 * Int.random(in: 1...200, using: &generator)
        let payload = Self.payload(Int.random(in: 1...Reassembler.maximumPayload, using: &generator), seed: seed)
        var reassembler = Reassembler()
        Self.expectReassembly(Self.fragments(of: payload, size: size).shuffled(using: &generator), of: payload,
                              into: &reassembler, key: Self.key(1))
    }

    @Test func interleavedDatagramsAreKeptApart() {
        var generator = ReassemblySeededGenerator(seed: 99)
        let payloads = (0..<8).map { Self.payload(3000 + $0 * 517, seed: UInt64($0)) }
        var pending: [(UInt16, TestFragment)] = []
        for (index, payload) in payloads.enumerated() {
            pending += Self.fragments(of: payload, size: 512).map { (UInt16(index), $0) }
        }
        pending.shuffle(using: &generator)
        var reassembler = Reassembler()
        var completed: [UInt16: [UInt8]] = [:]
        for (identification, fragment) in pending {
            let outcome = reassembler.add(Self.key(identification), offset: fragment.offset,
                                          moreFragments: fragment.moreFragments, payload: fragment.payload, now: Self.start)
            if case .complete(let whole) = outcome { completed[identification] = whole }
        }
        for (index, payload) in payloads.enumerated() { #expect(completed[UInt16(index)] == payload) }
        #expect(reassembler.bufferedBytes == 0)
    }

    @Test func anExactDuplicateIsIgnored() {
        let payload = Self.payload(40, seed: 3)
        var reassembler = Reassembler()
        let key = Self.key(1)
        #expect(reassembler.add(key, offset: 0, moreFragments: true, payload: payload[0..<16], now: Self.start) == .incomplete)
        #expect(reassembler.add(key, offset: 0, moreFragments: true, payload: payload[0..<16], now: Self.start) == .incomplete)
        #expect(reassembler.bufferedBytes == 16)
        #expect(reassembler.add(key, offset: 32, moreFragments: false, payload: payload[32...], now: Self.start) == .incomplete)
        #expect(reassembler.add(key, offset: 32, moreFragments: false, payload: payload[32...], now: Self.start) == .incomplete)
        #expect(reassembler.bufferedBytes == 24)
        #expect(reassembler.add(key, offset: 16, moreFragments: true, payload: payload[16..<32], now: Self.start)
                == .complete(payload))
        #expect(reassembler.bufferedBytes == 0)
    }

    @Test func aDuplicateThatMarksTheEndCanComplete() {
        let payload = Self.payload(16, seed: 4)
        var reassembler = Reassembler()
        let key = Self.key(1)
        #expect(reassembler.add(key, offset: 0, moreFragments: true, payload: payload[0..<8], now: Self.start) == .incomplete)
        #expect(reassembler.add(key, offset: 8, moreFragments: true, payload: payload[8...], now: Self.start) == .incomplete)
        #expect(reassembler.add(key, offset: 8, moreFragments: false, payload: payload[8...], now: Self.start) == .complete(payload))
        // An empty last fragment can also mark the end.
        #expect(reassembler.add(key, offset: 0, moreFragments: true, payload: payload[0..<8], now: Self.start) == .incomplete)
        #expect(reassembler.add(key, offset: 8, moreFragments: true, payload: payload[8...], now: Self.start) == .incomplete)
        #expect(reassembler.add(key, offset: 16, moreFragments: false, payload: [], now: Self.start) == .complete(payload))
    }

    @Test(arguments: [
        (0, 16),    // starts at the same place, longer
        (8, 8),     // inside
        (16, 16),   // overlaps the end
        (24, 16),   // reaches into the next one
        (0, 48),    // covers both
    ])
    func anOverlapDropsTheDatagram(offset: Int, count: Int) {
        let payload = Self.payload(64, seed: 5)
        var reassembler = Reassembler()
        let key = Self.key(1)
        #expect(reassembler.add(key, offset: 32, moreFragments: true, payload: payload[32..<40], now: Self.start) == .incomplete)
        #expect(reassembler.add(key, offset: 8, moreFragments: true, payload: payload[8..<24], now: Self.start) == .incomplete)
        #expect(reassembler.add(key, offset: offset, moreFragments: true, payload: payload[offset..<(offset + count)],
                                now: Self.start) == .dropped(.overlap))
        #expect(reassembler.bufferedBytes == 0)
        #expect(reassembler.count == 0)
        // Later fragments start a new datagram.
        #expect(reassembler.add(key, offset: 8, moreFragments: false, payload: payload[8..<16], now: Self.start) == .incomplete)
        #expect(reassembler.bufferedBytes == 8)
    }

    @Test func theSameRangeWithOtherBytesIsAnOverlap() {
        var reassembler = Reassembler()
        let key = Self.key(1)
        #expect(reassembler.add(key, offset: 8, moreFragments: true, payload: [1, 2, 3, 4, 5, 6, 7, 8], now: Self.start) == .incomplete)
        #expect(reassembler.add(key, offset: 8, moreFragments: true, payload: [1, 2, 3, 4, 5, 6, 7, 9], now: Self.start)
                == .dropped(.overlap))
        #expect(reassembler.bufferedBytes == 0)
    }

    @Test func inconsistentFragmentsDropTheDatagram() {
        let key = Self.key(1)
        let eight = [UInt8](repeating: 7, count: 8)[...]
        func started() -> Reassembler {
            var reassembler = Reassembler()
            _ = reassembler.add(key, offset: 16, moreFragments: true, payload: eight, now: Self.start)
            _ = reassembler.add(key, offset: 40, moreFragments: false, payload: eight, now: Self.start)
            return reassembler
        }
        // A second last fragment with another end.
        var reassembler = started()
        #expect(reassembler.add(key, offset: 40, moreFragments: false, payload: eight[..<4], now: Self.start) == .dropped(.inconsistent))
        #expect(reassembler.bufferedBytes == 0 && reassembler.count == 0)
        // Data past the end.
        reassembler = started()
        #expect(reassembler.add(key, offset: 48, moreFragments: true, payload: eight, now: Self.start) == .dropped(.inconsistent))
        #expect(reassembler.bufferedBytes == 0 && reassembler.count == 0)
        // An end before data already received.
        reassembler = Reassembler()
        _ = reassembler.add(key, offset: 16, moreFragments: true, payload: eight, now: Self.start)
        #expect(reassembler.add(key, offset: 8, moreFragments: false, payload: eight, now: Self.start) == .dropped(.inconsistent))
        #expect(reassembler.bufferedBytes == 0 && reassembler.count == 0)
        // A fragment other than the last whose length is not a multiple of 8.
        reassembler = started()
        #expect(reassembler.add(key, offset: 0, moreFragments: true, payload: eight[..<5], now: Self.start) == .dropped(.inconsistent))
        #expect(reassembler.bufferedBytes == 0 && reassembler.count == 0)
        #expect(reassembler.add(key, offset: 0, moreFragments: true, payload: eight[..<5], now: Self.start) == .dropped(.inconsistent))
        #expect(reassembler.count == 0)
        // A negative offset.
        reassembler = started()
        #expect(reassembler.add(key, offset: -8, moreFragments: true, payload: eight, now: Self.start) == .dropped(.inconsistent))
        #expect(reassembler.bufferedBytes == 0 && reassembler.count == 0)
    }

    @Test func aDatagramPastTheLargestPayloadIsTooLarge() {
        var reassembler = Reassembler()
        let key = Self.key(1)
        let eight = [UInt8](repeating: 7, count: 8)[...]
        _ = reassembler.add(key, offset: 0, moreFragments: true, payload: eight, now: Self.start)
        #expect(reassembler.add(key, offset: 65512, moreFragments: false, payload: eight, now: Self.start) == .dropped(.tooLarge))
        #expect(reassembler.bufferedBytes == 0 && reassembler.count == 0)
        #expect(reassembler.add(key, offset: 65528, moreFragments: true, payload: eight, now: Self.start) == .dropped(.tooLarge))
        #expect(reassembler.add(key, offset: Int.max, moreFragments: true, payload: eight, now: Self.start) == .dropped(.tooLarge))
        let huge = [UInt8](repeating: 1, count: 65535)[...]
        #expect(reassembler.add(key, offset: 0, moreFragments: false, payload: huge, now: Self.start) == .dropped(.tooLarge))
        #expect(reassembler.add(key, offset: 8, moreFragments: true, payload: huge.prefix(65512), now: Self.start) == .dropped(.tooLarge))
        // Exactly the largest is fine.
        #expect(reassembler.add(key, offset: 65512, moreFragments: false, payload: eight.prefix(3), now: Self.start) == .incomplete)
        #expect(reassembler.count == 1)
    }

    @Test func theNumberOfDatagramsIsLimited() {
        var configuration = Reassembler.Configuration()
        configuration.maximumDatagrams = 2
        var reassembler = Reassembler(configuration: configuration)
        let eight = [UInt8](repeating: 7, count: 8)[...]
        #expect(reassembler.add(Self.key(1), offset: 0, moreFragments: true, payload: eight, now: Self.start) == .incomplete)
        #expect(reassembler.add(Self.key(2), offset: 0, moreFragments: true, payload: eight, now: Self.start) == .incomplete)
        #expect(reassembler.add(Self.key(3), offset: 0, moreFragments: true, payload: eight, now: Self.start) == .dropped(.tooManyDatagrams))
        #expect(reassembler.bufferedBytes == 16)
        // Existing datagrams go on; finishing one makes room.
        #expect(reassembler.add(Self.key(1), offset: 8, moreFragments: false, payload: eight, now: Self.start)
                == .complete(Array(repeating: 7, count: 16)))
        #expect(reassembler.add(Self.key(3), offset: 0, moreFragments: true, payload: eight, now: Self.start) == .incomplete)
        // An unfragmented datagram needs no room.
        #expect(reassembler.add(Self.key(4), offset: 0, moreFragments: false, payload: eight, now: Self.start) == .complete(Array(eight)))
    }

    @Test func theBufferedBytesAreLimited() {
        var configuration = Reassembler.Configuration()
        configuration.maximumBytes = 100
        var reassembler = Reassembler(configuration: configuration)
        let forty = [UInt8](repeating: 7, count: 40)[...]
        #expect(reassembler.add(Self.key(1), offset: 0, moreFragments: true, payload: forty, now: Self.start) == .incomplete)
        #expect(reassembler.add(Self.key(2), offset: 0, moreFragments: true, payload: forty, now: Self.start) == .incomplete)
        #expect(reassembler.bufferedBytes == 80)
        // A new datagram that does not fit is not started.
        #expect(reassembler.add(Self.key(3), offset: 0, moreFragments: true, payload: forty, now: Self.start) == .dropped(.outOfMemory))
        #expect(reassembler.bufferedBytes == 80 && reassembler.count == 2)
        // A fragment of an existing one that does not fit drops that datagram.
        #expect(reassembler.add(Self.key(1), offset: 40, moreFragments: true, payload: forty, now: Self.start) == .dropped(.outOfMemory))
        #expect(reassembler.bufferedBytes == 40 && reassembler.count == 1)
        // Up to the limit exactly.
        #expect(reassembler.add(Self.key(3), offset: 0, moreFragments: true, payload: forty, now: Self.start) == .incomplete)
        #expect(reassembler.add(Self.key(3), offset: 40, moreFragments: true, payload: forty.prefix(16), now: Self.start) == .incomplete)
        #expect(reassembler.bufferedBytes == 96)
        #expect(reassembler.add(Self.key(3), offset: 56, moreFragments: false, payload: forty.prefix(4), now: Self.start)
                == .complete(Array(repeating: 7, count: 60)))
        #expect(reassembler.bufferedBytes == 40)
    }

    @Test func incompleteDatagramsExpire() {
        var configuration = Reassembler.Configuration()
        configuration.timeout = .seconds(30)
        var reassembler = Reassembler(configuration: configuration)
        let eight = [UInt8](repeating: 7, count: 8)[...]
        #expect(reassembler.nextDeadline == nil)
        _ = reassembler.add(Self.key(1), offset: 0, moreFragments: true, payload: eight, now: Self.start)
        _ = reassembler.add(Self.key(2), offset: 0, moreFragments: true, payload: eight, now: Self.start + .seconds(10))
        // Later fragments do not extend the first one's deadline.
        _ = reassembler.add(Self.key(1), offset: 8, moreFragments: true, payload: eight, now: Self.start + .seconds(20))
        #expect(reassembler.nextDeadline == Self.start + .seconds(30))
        #expect(reassembler.expire(now: Self.start + .seconds(29)) == 0)
        #expect(reassembler.expire(now: Self.start + .seconds(30)) == 1)
        #expect(reassembler.bufferedBytes == 8)
        #expect(reassembler.nextDeadline == Self.start + .seconds(40))
        // A fragment arriving after its datagram timed out starts afresh, even before expire.
        #expect(reassembler.add(Self.key(2), offset: 8, moreFragments: false, payload: eight, now: Self.start + .seconds(41))
                == .incomplete)
        #expect(reassembler.bufferedBytes == 8)
        #expect(reassembler.nextDeadline == Self.start + .seconds(71))
        #expect(reassembler.expire(now: Self.start + .seconds(100)) == 1)
        #expect(reassembler.bufferedBytes == 0 && reassembler.count == 0 && reassembler.nextDeadline == nil)
    }

    @Test func staleDatagramsMakeRoomForNewOnes() {
        var configuration = Reassembler.Configuration()
        configuration.maximumDatagrams = 1
        configuration.timeout = .seconds(5)
        var reassembler = Reassembler(configuration: configuration)
        let eight = [UInt8](repeating: 7, count: 8)[...]
        _ = reassembler.add(Self.key(1), offset: 0, moreFragments: true, payload: eight, now: Self.start)
        #expect(reassembler.add(Self.key(2), offset: 0, moreFragments: true, payload: eight, now: Self.start + .seconds(4))
                == .dropped(.tooManyDatagrams))
        #expect(reassembler.add(Self.key(2), offset: 0, moreFragments: true, payload: eight, now: Self.start + .seconds(5))
                == .incomplete)
        #expect(reassembler.count == 1 && reassembler.bufferedBytes == 8)
    }

    /// Random fragment streams, some cut from one true payload per datagram and some garbage,
    /// with offsets and lengths anywhere (negative, huge, misaligned): nothing traps, the
    /// buffered bytes stay within the limit and are accounted exactly, and every completed
    /// datagram built only from true fragments equals its true payload.
    @Test(arguments: 0..<4 as Range<UInt64>)
    func randomFragmentsNeverTrapAndStayWithinLimits(seedBase: UInt64) {
        var generator = ReassemblySeededGenerator(seed: 1000 + seedBase)
        let truth = (0..<6).map { Self.payload(Int.random(in: 1...9000, using: &generator), seed: 50 + UInt64($0)) }
        for round in 0..<1000 {
            var configuration = Reassembler.Configuration()
            configuration.maximumDatagrams = Int.random(in: 1...4, using: &generator)
            configuration.maximumBytes = Int.random(in: 0...20000, using: &generator)
            configuration.timeout = .milliseconds(Int64.random(in: 1...500, using: &generator))
            var reassembler = Reassembler(configuration: configuration)
            var now = Self.start
            var tainted = Set<UInt16>()   // datagrams that have received a garbage fragment
            for _ in 0..<Int.random(in: 1...60, using: &generator) {
                now = now + .milliseconds(Int64.random(in: 0...20, using: &generator))
                let identification = UInt16.random(in: 0..<6, using: &generator)
                let payload = truth[Int(identification)]
                let fragment: TestFragment
                var garbage = false
                switch Int.random(in: 0..<10, using: &generator) {
                case 0:
                    garbage = true
                    let offset = [Int.random(in: -100...70000, using: &generator), Int.max, Int.min, 65528, 65512][
                        Int.random(in: 0...4, using: &generator)]
                    let count = [0, 1, 8, 65535, Int.random(in: 0...3000, using: &generator)][Int.random(in: 0...4, using: &generator)]
                    let bytes = [UInt8](repeating: UInt8.random(in: 0...255, using: &generator), count: count)
                    fragment = TestFragment(offset: offset, moreFragments: Bool.random(using: &generator), payload: bytes[...])
                default:
                    let unit = 8 * Int.random(in: 1...200, using: &generator)
                    let index = Int.random(in: 0...(payload.count / unit), using: &generator)
                    let offset = min(index * unit, payload.count)
                    // Sometimes a fragment spanning several units, to make overlaps.
                    let end = min(offset + unit * Int.random(in: 1...3, using: &generator), payload.count)
                    fragment = TestFragment(offset: offset, moreFragments: end < payload.count, payload: payload[offset..<end])
                }
                let key = Self.key(identification)
                if garbage { tainted.insert(identification) }
                let outcome = reassembler.add(key, offset: fragment.offset, moreFragments: fragment.moreFragments,
                                              payload: fragment.payload, now: now)
                switch outcome {
                case .complete(let whole):
                    if !tainted.contains(identification) {
                        #expect(whole == payload, "round \(round)")
                    }
                    tainted.remove(identification)
                case .dropped:
                    // Nothing is left of the datagram.
                    tainted.remove(identification)
                case .incomplete:
                    break
                }
                #expect(reassembler.bufferedBytes >= 0)
                #expect(reassembler.bufferedBytes <= configuration.maximumBytes)
                #expect(reassembler.count <= configuration.maximumDatagrams)
                if Int.random(in: 0..<8, using: &generator) == 0 {
                    _ = reassembler.expire(now: now)
                }
            }
            // Everything still buffered is freed exactly.
            _ = reassembler.expire(now: now + .seconds(1))
            #expect(reassembler.bufferedBytes == 0, "round \(round)")
            #expect(reassembler.count == 0)
            #expect(reassembler.nextDeadline == nil)
        }
    }
}
