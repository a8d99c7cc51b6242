import SwiftletDevices
import SwiftletRuntime

/// Listens on TCP port `Keys.port`, logs each connection at info level and what it reads at
/// debug level (`-l "*:debug"`), then closes the connection when the peer does.
///
/// Generic over the stack, so the same code runs on host sockets and on Swiftlet's own stack.
struct Network<Stack: NetworkStack> {
    let stack: Stack

    func start() async throws(NetError) {
        let port = UInt16(truncatingIfNeeded: Keys.port)
        let listener = try await stack.listen(port: port, backlog: 128)
        Log.info("listening on TCP port \(port)")
        while true {
            let connection = try await listener.accept()
            Log.info("new tcp connection from IP \(connection.remoteEndpoint.address) on port \(connection.remoteEndpoint.port)")
            // Serve each connection in its own task so one slow peer does not hold up the others.
            Task { await serve(connection) }
        }
    }

    private func serve(_ connection: Stack.Listener.Connection) async {
        do {
            while let bytes = try await connection.read(maxLength: 4096) {
                Log.debug("read: \(bytes.count) bytes:\n\(String(decoding: bytes, as: UTF8.self))")
            }
        } catch {
            Log.warning("connection from \(connection.remoteEndpoint) failed: \(error)")
        }
        await connection.close()
    }
}
