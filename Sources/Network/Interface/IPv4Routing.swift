import SwiftletDevices

extension IPv4Settings {
    /// The host to hand a packet for `destination` to, by longest-prefix match over the
    /// connected network (delivered directly), the static routes (to their router, or directly
    /// for an on-link route) and, when nothing else matches, the default gateway. The
    /// connected network wins a tie. `nil`: no route.
    ///
    /// A router need not be inside the interface's network: a /32 lease with a gateway
    /// outside it (Google Compute Engine's) resolves the gateway with ARP like a neighbour.
    public func nextHop(for destination: IPv4Address) -> IPv4Address? {
        var best: (length: Int, hop: IPv4Address)? = nil
        if address.contains(destination) { best = (address.length, destination) }
        for route in routes where route.destination.contains(destination) && route.destination.length > (best?.length ?? -1) {
            best = (route.destination.length, route.router == .any ? destination : route.router)
        }
        if best == nil, let gateway { return gateway }
        return best?.hop
    }
}
