import SwiftletDevices

/// A static route: packets for `destination` go to `router`, or straight to the destination
/// on the link when `router` is 0.0.0.0 (RFC 3442's routes, `ip route add … via …`).
public struct IPv4Route: Equatable, Sendable, CustomStringConvertible {
    /// The network the route covers; host bits are zero.
    public var destination: IPv4Prefix
    /// The next hop, which must be on the link; 0.0.0.0 for a network that is on the link.
    public var router: IPv4Address

    /// A route to `destination` (host bits cleared) via `router`.
    public init(destination: IPv4Prefix, router: IPv4Address) {
        self.destination = IPv4Prefix(address: destination.network, length: destination.length) ?? destination
        self.router = router
    }

    public var description: String { "\(destination) via \(router)" }
}
