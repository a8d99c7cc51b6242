// Network devices: the protocols exist (SwiftletDevices); implementations come with the
// TCP/IP stack, so on every target the tool reports them as not available yet.
extension DeviceKind {
    static let network = DeviceKind(
        kind: "network", protocolName: "NetworkInterface", doc: "an Ethernet interface", implementations: [:])

    static let stack = DeviceKind(
        kind: "stack", protocolName: "NetworkStack", doc: "a TCP/IP stack", implementations: [:])
}
