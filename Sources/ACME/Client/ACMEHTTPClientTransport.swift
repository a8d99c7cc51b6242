import _Concurrency
import SwiftletDevices
import SwiftletHTTP

/// The ACME transport over Swiftlet's own ``HTTPClient``: the client must have been made
/// with `secureConnect` (e.g. over SwiftletTLS's `TLSStack`, trusting the CA's listener),
/// so every `https://` request is TLS for the URL's host. Connections are kept alive.
///
/// ```swift
/// let tls = TLSStack(base: stack, client: TLSClientConfiguration(serverName: "", trustAnchors: anchors, now: now, random: random))
/// let http = HTTPClient(stack: stack, resolver: dns, time: time,
///                       secureConnect: { (endpoint, name) async throws(NetError) in try await tls.connect(to: endpoint, serverName: name) })
/// let acme = ACMEClient(directoryURL: ACMEDirectories.letsEncryptStaging, transport: ACMEHTTPClientTransport(client: http), ...)
/// ```
public struct ACMEHTTPClientTransport<Stack: NetworkStack, Resolver: DNSResolving, Time: TimeDevice>: ACMETransport {
    public let client: HTTPClient<Stack, Resolver, Time>

    public init(client: HTTPClient<Stack, Resolver, Time>) {
        self.client = client
    }

    public func send(_ request: ACMEHTTPRequest) async throws(ACMEError) -> ACMEHTTPResponse {
        // ACME is HTTPS only (RFC 8555 §6.1).
        guard request.url.utf8.starts(with: "https://".utf8) else { throw .transport("not an https URL: " + request.url) }
        do throws(HTTPClientError) {
            let response = try await client.request(request.method, request.url, headers: request.headers, body: request.body)
            return ACMEHTTPResponse(status: response.status.code, headers: response.headers, body: response.body)
        } catch {
            throw .transport(error.description)
        }
    }
}
