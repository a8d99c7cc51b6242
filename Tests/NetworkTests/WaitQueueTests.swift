import Testing
import SwiftletDevices
import SwiftletRuntime
import SwiftletNet

@Suite struct WaitQueueTests {
    @Test func wakeAllResumesEveryWaiterAndOnlyThen() throws {
        let loop = RunLoop(platform: SimulatedPlatform())
        let queue = WaitQueue()
        final class Log: @unchecked Sendable { var entries: [String] = [] }
        let log = Log()
        let status = try loop.run {
            let seen = queue.generation
            async let first: Void = { await queue.wait(after: seen); log.entries.append("first") }()
            async let second: Void = { await queue.wait(after: seen); log.entries.append("second") }()
            await loop.sleep(until: MonotonicInstant(nanoseconds: 1_000))
            log.entries.append("wake")
            queue.wakeAll()
            _ = await (first, second)
            return queue.isEmpty ? 0 : 1
        }
        #expect(status == 0)
        #expect(log.entries.first == "wake")
        #expect(Set(log.entries.dropFirst()) == ["first", "second"])
    }

    @Test func aWakeBetweenCheckingAndWaitingIsNotLost() throws {
        let loop = RunLoop(platform: SimulatedPlatform())
        let queue = WaitQueue()
        let status = try loop.run {
            let seen = queue.generation
            // The condition was false when checked; the signal comes before the wait starts.
            queue.wakeAll()
            await queue.wait(after: seen)
            return 0
        }
        #expect(status == 0)
    }
}
