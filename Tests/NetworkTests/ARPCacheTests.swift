import Testing
import SwiftletDevices
import SwiftletNet

@Suite struct ARPCacheTests {
    static let start = MonotonicInstant(nanoseconds: 1_000_000_000)
    static let gateway = IPv4Address(10, 0, 0, 1)
    static let peer = IPv4Address(10, 0, 0, 7)
    static let gatewayMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    static let peerMAC = MACAddress(0x02, 0, 0, 0, 0, 0x07)

    static func at(_ duration: Duration) -> MonotonicInstant { start + duration }
    static func host(_ n: UInt8) -> IPv4Address { IPv4Address(10, 0, 1, n) }
    static func mac(_ n: UInt8) -> MACAddress { MACAddress(0x02, 0, 0, 0, 1, n) }

    @Test func anEmptyCacheKnowsNothingAndHasNoDeadline() {
        let cache = ARPCache()
        #expect(cache.lookup(Self.gateway, now: Self.start) == nil)
        #expect(cache.nextDeadline == nil)
        #expect(cache.count == 0)
        #expect(cache.droppedPackets == 0)
    }

    @Test func learningAnAnswerFlushesTheQueuedPacketsInOrder() {
        var cache = ARPCache()
        #expect(cache.resolve(Self.gateway, queueing: [1], now: Self.start) == .sendRequest)
        #expect(cache.resolve(Self.gateway, queueing: [2], now: Self.at(.milliseconds(10))) == .waiting)
        #expect(cache.resolve(Self.gateway, queueing: [3], now: Self.at(.milliseconds(20))) == .waiting)
        #expect(cache.lookup(Self.gateway, now: Self.at(.milliseconds(30))) == nil)
        #expect(cache.count == 1)

        let flushed = cache.learn(Self.gateway, is: Self.gatewayMAC, now: Self.at(.milliseconds(40)), create: false)
        #expect(flushed == [[1], [2], [3]])
        #expect(cache.lookup(Self.gateway, now: Self.at(.milliseconds(50))) == Self.gatewayMAC)
        #expect(cache.resolve(Self.gateway, queueing: [4], now: Self.at(.milliseconds(60))) == .resolved(Self.gatewayMAC))
        // Packets sent at once are not kept for later.
        #expect(cache.learn(Self.gateway, is: Self.gatewayMAC, now: Self.at(.milliseconds(70)), create: false) == [])
        #expect(cache.droppedPackets == 0)
    }

    @Test func requestsAreRetriedThenAbandonedWithTheirPacketsCounted() {
        var cache = ARPCache()
        #expect(cache.resolve(Self.gateway, queueing: [1], now: Self.start) == .sendRequest)
        #expect(cache.resolve(Self.gateway, queueing: [2], now: Self.start) == .waiting)
        #expect(cache.nextDeadline == Self.at(.seconds(1)))
        #expect(cache.poll(now: Self.at(.milliseconds(999))) == ARPCache.PollResult(requests: [], droppedPackets: 0))

        // Requests two and three.
        #expect(cache.poll(now: Self.at(.seconds(1))) == ARPCache.PollResult(requests: [Self.gateway], droppedPackets: 0))
        #expect(cache.nextDeadline == Self.at(.seconds(2)))
        #expect(cache.poll(now: Self.at(.seconds(2))) == ARPCache.PollResult(requests: [Self.gateway], droppedPackets: 0))
        #expect(cache.resolve(Self.gateway, queueing: [3], now: Self.at(.seconds(2))) == .waiting)

        // Three requests unanswered: give up.
        #expect(cache.poll(now: Self.at(.seconds(3))) == ARPCache.PollResult(requests: [], droppedPackets: 3))
        #expect(cache.count == 0)
        #expect(cache.droppedPackets == 3)
        #expect(cache.nextDeadline == nil)
        // A later packet starts a new resolution.
        #expect(cache.resolve(Self.gateway, queueing: [4], now: Self.at(.seconds(4))) == .sendRequest)
    }

    @Test func pollReportsEveryDueRequestInAddressOrder() {
        var cache = ARPCache()
        for n: UInt8 in [9, 3, 5] {
            #expect(cache.resolve(Self.host(n), queueing: [n], now: Self.start) == .sendRequest)
        }
        let result = cache.poll(now: Self.at(.seconds(1)))
        #expect(result.requests == [Self.host(3), Self.host(5), Self.host(9)])
    }

    @Test func entriesExpireAfterTheirLifetime() {
        var configuration = ARPCache.Configuration()
        configuration.entryLifetime = .seconds(60)
        var cache = ARPCache(configuration: configuration)
        #expect(cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: true) == [])
        #expect(cache.count == 1)
        #expect(cache.nextDeadline == Self.at(.seconds(60)))
        #expect(cache.lookup(Self.peer, now: Self.at(.seconds(59))) == Self.peerMAC)
        #expect(cache.lookup(Self.peer, now: Self.at(.seconds(60))) == nil)

        #expect(cache.poll(now: Self.at(.seconds(59))) == ARPCache.PollResult())
        #expect(cache.count == 1)
        #expect(cache.poll(now: Self.at(.seconds(60))) == ARPCache.PollResult())
        #expect(cache.count == 0)
    }

    @Test func anExpiredEntryIsResolvedAgain() {
        var cache = ARPCache()
        _ = cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: true)
        // Not yet polled away, but expired: a packet to it needs a new request.
        #expect(cache.resolve(Self.peer, queueing: [1], now: Self.at(.seconds(61))) == .sendRequest)
        #expect(cache.count == 1)
        #expect(cache.learn(Self.peer, is: Self.peerMAC, now: Self.at(.seconds(62)), create: false) == [[1]])
    }

    @Test func learningRefreshesTheLifetime() {
        var cache = ARPCache()
        _ = cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: true)
        _ = cache.learn(Self.peer, is: Self.gatewayMAC, now: Self.at(.seconds(30)), create: false)
        #expect(cache.lookup(Self.peer, now: Self.at(.seconds(80))) == Self.gatewayMAC)
        #expect(cache.nextDeadline == Self.at(.seconds(90)))
    }

    @Test func learningWithoutCreateOnlyUpdates() {
        var cache = ARPCache()
        #expect(cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: false) == [])
        #expect(cache.count == 0)
        #expect(cache.lookup(Self.peer, now: Self.start) == nil)

        _ = cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: true)
        _ = cache.learn(Self.peer, is: Self.gatewayMAC, now: Self.start, create: false)
        #expect(cache.lookup(Self.peer, now: Self.start) == Self.gatewayMAC)
        #expect(cache.count == 1)
    }

    @Test func theLeastRecentlyUsedResolvedEntryIsEvictedAtCapacity() {
        var configuration = ARPCache.Configuration()
        configuration.capacity = 3
        var cache = ARPCache(configuration: configuration)
        for n: UInt8 in 1...3 {
            _ = cache.learn(Self.host(n), is: Self.mac(n), now: Self.start, create: true)
        }
        // Using host 1 makes host 2 the least recently used.
        #expect(cache.resolve(Self.host(1), queueing: [1], now: Self.start) == .resolved(Self.mac(1)))
        _ = cache.learn(Self.host(4), is: Self.mac(4), now: Self.start, create: true)
        #expect(cache.count == 3)
        #expect(cache.lookup(Self.host(2), now: Self.start) == nil)
        for n: UInt8 in [1, 3, 4] { #expect(cache.lookup(Self.host(n), now: Self.start) == Self.mac(n)) }

        // A new resolution also evicts: now host 3 is the oldest.
        #expect(cache.resolve(Self.host(5), queueing: [5], now: Self.start) == .sendRequest)
        #expect(cache.count == 3)
        #expect(cache.lookup(Self.host(3), now: Self.start) == nil)
    }

    @Test func expiredEntriesAreEvictedFirst() {
        var configuration = ARPCache.Configuration()
        configuration.capacity = 2
        var cache = ARPCache(configuration: configuration)
        _ = cache.learn(Self.host(1), is: Self.mac(1), now: Self.start, create: true)
        _ = cache.learn(Self.host(2), is: Self.mac(2), now: Self.at(.seconds(50)), create: true)
        #expect(cache.resolve(Self.host(2), queueing: [], now: Self.at(.seconds(55))) == .resolved(Self.mac(2)))
        #expect(cache.resolve(Self.host(1), queueing: [], now: Self.at(.seconds(56))) == .resolved(Self.mac(1)))
        // Host 1 was used last, but it expires at 60 s: it goes rather than host 2.
        _ = cache.learn(Self.host(3), is: Self.mac(3), now: Self.at(.seconds(61)), create: true)
        #expect(cache.lookup(Self.host(2), now: Self.at(.seconds(61))) == Self.mac(2))
        #expect(cache.lookup(Self.host(3), now: Self.at(.seconds(61))) == Self.mac(3))
        #expect(cache.count == 2)
    }

    @Test func pendingEntriesAreNeverEvicted() {
        var configuration = ARPCache.Configuration()
        configuration.capacity = 2
        var cache = ARPCache(configuration: configuration)
        #expect(cache.resolve(Self.host(1), queueing: [1], now: Self.start) == .sendRequest)
        _ = cache.learn(Self.host(2), is: Self.mac(2), now: Self.start, create: true)
        // Host 1 is older but pending: host 2 goes.
        #expect(cache.resolve(Self.host(3), queueing: [3], now: Self.start) == .sendRequest)
        #expect(cache.lookup(Self.host(2), now: Self.start) == nil)
        #expect(cache.learn(Self.host(1), is: Self.mac(1), now: Self.start, create: false) == [[1]])
    }

    @Test func resolutionsAreRefusedWhenEveryEntryIsPending() {
        var configuration = ARPCache.Configuration()
        configuration.capacity = 2
        var cache = ARPCache(configuration: configuration)
        #expect(cache.resolve(Self.host(1), queueing: [1], now: Self.start) == .sendRequest)
        #expect(cache.resolve(Self.host(2), queueing: [2], now: Self.start) == .sendRequest)
        #expect(cache.resolve(Self.host(3), queueing: [3], now: Self.start) == .refused)
        #expect(cache.droppedPackets == 1)
        #expect(cache.count == 2)
        // Nor is there room to learn a new address.
        #expect(cache.learn(Self.host(3), is: Self.mac(3), now: Self.start, create: true) == [])
        #expect(cache.lookup(Self.host(3), now: Self.start) == nil)
        // Existing entries still queue.
        #expect(cache.resolve(Self.host(1), queueing: [4], now: Self.start) == .waiting)
        // Once one resolves it is live, confirmed by our own request: it stays until it expires.
        #expect(cache.learn(Self.host(1), is: Self.mac(1), now: Self.start, create: false) == [[1], [4]])
        #expect(cache.resolve(Self.host(3), queueing: [3], now: Self.start) == .refused)
        #expect(cache.lookup(Self.host(1), now: Self.start) == Self.mac(1))
        #expect(cache.resolve(Self.host(3), queueing: [3], now: Self.at(.seconds(61))) == .sendRequest)
    }

    @Test func aFloodOfSpoofedRequestsNeverEvictsLiveEntries() {
        var configuration = ARPCache.Configuration()
        configuration.capacity = 8
        var cache = ARPCache(configuration: configuration)
        // The gateway answered our request; a client's request to us made an entry we then used.
        _ = cache.resolve(Self.gateway, queueing: [1], now: Self.start)
        _ = cache.learn(Self.gateway, is: Self.gatewayMAC, now: Self.start, create: false)
        _ = cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: true)
        #expect(cache.resolve(Self.peer, queueing: [2], now: Self.start) == .resolved(Self.peerMAC))
        // Requests from 10,000 spoofed on-link senders, each addressed to us.
        for n in 0..<10_000 {
            _ = cache.learn(IPv4Address(0x0A01_0000 | UInt32(n)), is: Self.mac(UInt8(truncatingIfNeeded: n)),
                            now: Self.at(.milliseconds(Int64(n))), create: true)
        }
        let now = Self.at(.seconds(10))
        #expect(cache.count == 8)
        #expect(cache.lookup(Self.gateway, now: now) == Self.gatewayMAC)
        #expect(cache.lookup(Self.peer, now: now) == Self.peerMAC)
        #expect(cache.refusedEntries == 0)  // spoofed entries displace each other, never the live ones
        // Once every entry is live, newcomers are refused and counted.
        var full = ARPCache(configuration: configuration)
        for n: UInt8 in 1...8 {
            _ = full.learn(Self.host(n), is: Self.mac(n), now: Self.start, create: true)
            _ = full.resolve(Self.host(n), queueing: [n], now: Self.start)
        }
        _ = full.learn(Self.host(9), is: Self.mac(9), now: Self.start, create: true)
        #expect(full.refusedEntries == 1)
        #expect(full.lookup(Self.host(9), now: Self.start) == nil)
    }

    @Test func pendingResolutionsAreBounded() {
        var configuration = ARPCache.Configuration()
        configuration.maximumPending = 4
        var cache = ARPCache(configuration: configuration)
        _ = cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: true)
        _ = cache.resolve(Self.peer, queueing: [0], now: Self.start)
        // SYN-ACKs to spoofed on-link sources: only four resolutions at a time.
        var refused = 0
        for n: UInt8 in 1...100 where cache.resolve(Self.host(n), queueing: [n], now: Self.start) == .refused { refused += 1 }
        #expect(refused == 96)
        #expect(cache.count == 5)
        #expect(cache.resolve(Self.host(200), queueing: [2], now: Self.at(.seconds(1))) == .refused)
        // Abandoned resolutions free their slots.
        for second in 2...5 { _ = cache.poll(now: Self.at(.seconds(Int64(second)))) }
        #expect(cache.resolve(Self.host(200), queueing: [2], now: Self.at(.seconds(6))) == .sendRequest)
        for n: UInt8 in 201...203 { _ = cache.resolve(Self.host(n), queueing: [n], now: Self.at(.seconds(6))) }
        // The live entry expires while four resolutions are pending: re-resolving it is still allowed.
        #expect(cache.resolve(Self.peer, queueing: [1], now: Self.at(.seconds(61))) == .sendRequest)
    }

    @Test func theOldestQueuedPacketIsDroppedBeyondThePerAddressLimit() {
        var configuration = ARPCache.Configuration()
        configuration.pendingPacketsPerAddress = 2
        var cache = ARPCache(configuration: configuration)
        #expect(cache.resolve(Self.peer, queueing: [1], now: Self.start) == .sendRequest)
        for n: UInt8 in 2...5 {
            #expect(cache.resolve(Self.peer, queueing: [n], now: Self.start) == .waiting)
        }
        #expect(cache.droppedPackets == 3)
        #expect(cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: false) == [[4], [5]])
    }

    @Test func aZeroQueueLimitDropsEveryPacketButStillResolves() {
        var configuration = ARPCache.Configuration()
        configuration.pendingPacketsPerAddress = 0
        var cache = ARPCache(configuration: configuration)
        #expect(cache.resolve(Self.peer, queueing: [1], now: Self.start) == .sendRequest)
        #expect(cache.resolve(Self.peer, queueing: [2], now: Self.start) == .waiting)
        #expect(cache.droppedPackets == 2)
        #expect(cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: false) == [])
        #expect(cache.lookup(Self.peer, now: Self.start) == Self.peerMAC)
    }

    @Test func aZeroCapacityRefusesEverything() {
        var configuration = ARPCache.Configuration()
        configuration.capacity = 0
        var cache = ARPCache(configuration: configuration)
        #expect(cache.resolve(Self.peer, queueing: [1], now: Self.start) == .refused)
        #expect(cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: true) == [])
        #expect(cache.count == 0)
    }

    @Test func theNextDeadlineIsTheEarliestRetryOrExpiry() {
        var cache = ARPCache()
        _ = cache.learn(Self.peer, is: Self.peerMAC, now: Self.start, create: true)
        #expect(cache.nextDeadline == Self.at(.seconds(60)))
        _ = cache.resolve(Self.gateway, queueing: [1], now: Self.at(.seconds(10)))
        #expect(cache.nextDeadline == Self.at(.seconds(11)))
        _ = cache.learn(Self.gateway, is: Self.gatewayMAC, now: Self.at(.seconds(10)), create: false)
        #expect(cache.nextDeadline == Self.at(.seconds(60)))
    }

    @Test func manyAddressesStayWithinCapacity() {
        var configuration = ARPCache.Configuration()
        configuration.capacity = 64
        var cache = ARPCache(configuration: configuration)
        var now = Self.start
        for round in 0..<2000 {
            let ip = IPv4Address(0x0A00_0000 | UInt32(round * 7919 % 300))
            now = now + .milliseconds(5)
            if round % 3 == 0 {
                _ = cache.learn(ip, is: Self.mac(UInt8(truncatingIfNeeded: round)), now: now, create: true)
            } else {
                _ = cache.resolve(ip, queueing: [UInt8(truncatingIfNeeded: round)], now: now)
            }
            if round % 10 == 0 { _ = cache.poll(now: now) }
            #expect(cache.count <= 64)
        }
    }
}
