import Testing
import SwiftletDevices
@testable import SwiftletRuntime

/// A log of what tasks did. Only ever touched on the run loop's one thread, which the compiler
/// cannot know, hence `@unchecked Sendable`.
final class Trace<Element>: @unchecked Sendable {
    private(set) var items: [Element] = []
    func append(_ item: Element) { items.append(item) }
}

/// A flag set by one task and read by another, on the run loop's one thread.
final class Flag: @unchecked Sendable {
    var isSet = false
}

@Suite struct RunLoopTests {
    let platform = SimulatedPlatform()
    var loop: RunLoop<SimulatedPlatform> { RunLoop(platform: platform) }

    @Test func returnsTheMainTasksStatus() throws {
        let status = try loop.run { 42 }
        #expect(status == 42)
    }

    @Test func sleepsInVirtualTimeWithoutWaiting() throws {
        let loop = self.loop
        let time = PlatformTime(loop: loop)
        _ = try loop.run {
            await time.sleep(for: .seconds(3600))
            return 0
        }
        #expect(platform.monotonicNow().nanoseconds == 3_600_000_000_000)
        #expect(loop.yields == 1)
    }

    @Test func timersFireInDeadlineOrderThenInOrderSet() throws {
        let loop = self.loop
        let time = PlatformTime(loop: loop)
        let order = Trace<String>()
        _ = try loop.run {
            async let a: Void = { await time.sleep(for: .milliseconds(30)); order.append("a30") }()
            async let b: Void = { await time.sleep(for: .milliseconds(10)); order.append("b10") }()
            async let c: Void = { await time.sleep(for: .milliseconds(10)); order.append("c10") }()
            async let d: Void = { await time.sleep(for: .milliseconds(20)); order.append("d20") }()
            _ = await (a, b, c, d)
            return 0
        }
        #expect(order.items == ["b10", "c10", "d20", "a30"])
        #expect(platform.monotonicNow().nanoseconds == 30_000_000)
    }

    @Test func zeroSleepLetsOtherTasksRun() throws {
        let loop = self.loop
        let time = PlatformTime(loop: loop)
        let trace = Trace<Int>()
        _ = try loop.run {
            await withTaskGroup(of: Void.self) { group in
                for task in 0..<3 {
                    group.addTask {
                        for step in 0..<3 {
                            trace.append(task * 10 + step)
                            await time.sleep(for: .zero)
                        }
                    }
                }
            }
            return 0
        }
        // Round-robin: every task takes a step before any task takes its next one.
        #expect(trace.items.count == 9)
        #expect(Set(trace.items.prefix(3).map { $0 % 10 }) == [0])
        #expect(Set(trace.items.suffix(3).map { $0 % 10 }) == [2])
        #expect(platform.monotonicNow().nanoseconds == 0)
    }

    @Test func ioWaitersResumeWhenThePlatformReportsReadiness() throws {
        let loop = self.loop
        let time = PlatformTime(loop: loop)
        let interest = IOInterest(handle: 7, direction: .readable)
        let events = Trace<String>()
        _ = try loop.run {
            async let reader: Void = {
                await loop.waitUntilReady(interest)
                events.append("ready")
            }()
            await time.sleep(for: .seconds(1))
            events.append("slept")
            platform.markReady(interest)
            await reader
            return 0
        }
        #expect(events.items == ["slept", "ready"])
    }

    @Test func detectsAMainTaskThatCanNeverResume() {
        let loop = self.loop
        #expect(throws: RunLoop<SimulatedPlatform>.Stall.deadlock) {
            _ = try loop.run {
                await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
                return 0
            }
        }
    }

    @Test func aBusyTaskDoesNotStarveTimers() throws {
        let loop = self.loop
        let time = PlatformTime(loop: loop)
        var spins = 0
        let timerFired = Flag()
        _ = try loop.run {
            async let sleeper: Void = { await time.sleep(for: .zero); timerFired.isSet = true }()
            // A task that keeps yielding must still let the timer's task run.
            while !timerFired.isSet && spins < 10_000 {
                spins += 1
                await Task.yield()
            }
            await sleeper
            return 0
        }
        #expect(timerFired.isSet)
        #expect(spins < 200)
    }

    @Test func manyTimersStayOrdered() throws {
        let loop = self.loop
        let time = PlatformTime(loop: loop)
        let fired = Trace<Int>()
        _ = try loop.run {
            await withTaskGroup(of: Void.self) { group in
                // A fixed pseudo-random permutation of deadlines.
                for index in 0..<500 {
                    let millis = (index * 7919) % 500
                    group.addTask {
                        await time.sleep(for: .milliseconds(millis))
                        fired.append(millis)
                    }
                }
            }
            return 0
        }
        #expect(fired.items == Array(0..<500))
    }
}

@Suite struct RingBufferTests {
    @Test func keepsOrderAcrossGrowthAndWraparound() {
        var queue = RingBuffer<Int>()
        var expected: [Int] = []
        var next = 0
        for round in 0..<50 {
            for _ in 0..<(round % 7 + 3) { queue.append(next); expected.append(next); next += 1 }
            for _ in 0..<(round % 5 + 1) {
                #expect(queue.popFirst() == (expected.isEmpty ? nil : expected.removeFirst()))
            }
        }
        while let value = queue.popFirst() { #expect(value == expected.removeFirst()) }
        #expect(expected.isEmpty)
        #expect(queue.isEmpty)
    }
}
