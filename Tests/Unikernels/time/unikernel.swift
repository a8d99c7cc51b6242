import SwiftletDevices
import SwiftletRuntime

/// Sleeps of 1 to 200 ms through the time device take as long as asked, plus at most 50 ms; the
/// wall clock reads a time after 2024. (Embedded Swift has no `Task.sleep`: unikernels sleep
/// with their time device, as MirageOS's do.)
struct TimeTest<Time: TimeDevice, Clock: MonotonicClock, Wall: WallClock> {
    let time: Time
    let monotonicClock: Clock
    let wallClock: Wall

    func start() async -> Int32 {
        var failures = 0
        for milliseconds in [1, 10, 50, 200] {
            let before = monotonicClock.now()
            await time.sleep(for: .milliseconds(milliseconds))
            let slept = monotonicClock.now() - before
            if slept < .milliseconds(milliseconds) || slept > .milliseconds(milliseconds + 50) {
                Log.error("sleep(\(milliseconds) ms) took \((monotonicClock.now() - before).nanosecondsClamped / 1000) µs")
                failures += 1
            }
        }
        if wallClock.now().secondsSinceEpoch < 1_704_067_200 {
            Log.error("the wall clock says \(CivilTime(wallClock.now()))")
            failures += 1
        }
        if failures == 0 { print("SUCCESS: time") }
        return failures == 0 ? 0 : 1
    }
}
