import SwiftletDevices
import SwiftletRuntime

/// Logs the greeting given by the `hello` key four times, one second apart.
struct HelloKey<Time: TimeDevice> {
    let time: Time

    func start() async {
        for _ in 0..<4 {
            Log.info(Keys.hello)
            await time.sleep(for: .seconds(1))
        }
    }
}
