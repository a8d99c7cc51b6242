import _Concurrency
import SwiftletDevices
import SwiftletRuntime

/// Sleeps for `--seconds` with nothing else to do: the platform should idle (on virtio, `hlt`
/// until the timer), so the machine running it stays cool. Then says so and exits.
struct Idle<Time: TimeDevice> {
    let time: Time

    func start() async -> Int32 {
        print("idle for \(Keys.seconds) s")
        await time.sleep(for: .seconds(Int64(Keys.seconds)))
        print("SUCCESS: idle")
        return 0
    }
}
