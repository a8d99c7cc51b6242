import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

extension RunLoop {
    /// The device `open` returns, or — when it fails — a logged error naming `device` and the
    /// unikernel's exit with status 1. The generated `main.swift` opens devices a unikernel
    /// cannot start without this way (a store on a disk that is not a store, say).
    public func attach<Device, Failure: Error & CustomStringConvertible>(
        _ device: String, _ open: () async throws(Failure) -> Device
    ) async -> Device {
        do {
            return try await open()
        } catch {
            Logger(source: "devices").error("cannot attach " + device + ": " + error.description)
            platform.exit(status: 1)
        }
    }
}
