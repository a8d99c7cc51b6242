import SwiftletDevices
import SwiftletRuntime
import SwiftletHTTP

/// Looks up the URL's host with the dns device, then fetches the URL with the HTTP client;
/// logs what it got and exits.
struct Fetch<Time: TimeDevice, Stack: NetworkStack, Resolver: DNSResolving> {
    let time: Time
    let stack: Stack
    let dns: Resolver

    func start() async throws(NetError) {
        let target = Keys.url
        guard let host = try? HTTPURL(target).host else {
            Log.error("not a URL: \(target)")
            return
        }
        do {
            let addresses = try await dns.addresses(of: host)
            Log.info("resolved \(host): \(addresses.map { $0.description }.joined(separator: " "))")
        } catch {
            Log.error("resolving \(host) failed: \(error)")
            return
        }
        let client = HTTPClient(stack: stack, resolver: dns, time: time)
        do {
            let response = try await client.get(target)
            Log.info("GET \(target): \(response.status.code), \(response.body.count) bytes: \(response.text.prefix(60))")
        } catch {
            Log.error("GET \(target) failed: \(error)")
        }
        await client.closeIdleConnections()
    }
}
