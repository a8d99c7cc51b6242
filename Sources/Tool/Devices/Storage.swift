// Storage devices: the protocols exist (SwiftletDevices); implementations come with the
// storage work, so on every target the tool reports them as not available yet.
extension DeviceKind {
    static let block = DeviceKind(
        kind: "block", protocolName: "BlockDevice", doc: "a sector-addressed disk", implementations: [:])

    static let keyValueReadOnly = DeviceKind(
        kind: "kv-ro", protocolName: "KeyValueStoreReadOnly", doc: "a read-only key-value store", implementations: [:])
}
