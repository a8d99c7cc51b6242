extension DeviceKind {
    static let block = DeviceKind(
        kind: "block", protocolName: "BlockDevice", doc: "a sector-addressed disk",
        implementations: [
            .spt: DeviceImplementation(typeName: "Solo5Block", expression: "Solo5Block(name: NAME)", modules: []),
            .hvt: DeviceImplementation(typeName: "Solo5Block", expression: "Solo5Block(name: NAME)", modules: []),
        ])

    // The read-only key-value stores come with the storage work.
    static let keyValueReadOnly = DeviceKind(
        kind: "kv-ro", protocolName: "KeyValueStoreReadOnly", doc: "a read-only key-value store", implementations: [:])
}
