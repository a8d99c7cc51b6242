import SwiftletDevices
import SwiftletRuntime

/// Logs "hello" four times, one second apart.
///
/// It is generic over the time device, so the same code runs on every target:
/// `swiftlet configure` passes the target's implementation in.
struct Hello<Time: TimeDevice> {
    let time: Time

    func start() async {
        for _ in 0..<4 {
            Log.info("hello")
            await time.sleep(for: .seconds(1))
        }
    }
}
