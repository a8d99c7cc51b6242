extension DeviceKind {
    static let block = DeviceKind(
        kind: "block", protocolName: "BlockDevice", doc: "a sector-addressed disk",
        implementations: [
            .unix: unixBlock,
            .spt: solo5Block,
            .hvt: solo5Block,
        ])

    /// A file attached with `--block:NAME=FILE` at run time, as the Solo5 tenders attach theirs.
    static let unixBlock = DeviceImplementation(
        typeName: "UnixBlock", expression: "UnixBlock.attach(name: NAME, path: KEYOF(block:NAME), loop: loop)", modules: [],
        keys: [UnikernelDescription.KeyDeclaration(name: "block:NAME", type: "string", defaultText: "",
                                                   doc: "The file that holds block device NAME (unix).", stage: "runtime")])

    static let solo5Block = DeviceImplementation(
        typeName: "Solo5Block", expression: "Solo5Block(name: NAME)", modules: [], solo5Device: .block)

    // The read-only key-value stores come with the storage work.
    static let keyValueReadOnly = DeviceKind(
        kind: "kv-ro", protocolName: "KeyValueStoreReadOnly", doc: "a read-only key-value store", implementations: [:])

    /// Swiftlet's log-structured store, on the target's block device of the same name.
    static let keyValue = DeviceKind(
        kind: "kv-rw", protocolName: "KeyValueStore", doc: "a writable key-value store on a block device",
        implementations: [.unix: logStore(on: unixBlock), .spt: logStore(on: solo5Block), .hvt: logStore(on: solo5Block)])

    private static func logStore(on block: DeviceImplementation) -> DeviceImplementation {
        block.wrapped(typeName: { "LogStore<\($0)>" }, modules: ["SwiftletStorage"]) { device in
            "await loop.attach(\"the key-value store on block device \" + NAME) { () async throws(KVError) in "
                + "try await LogStore.open(\(device)) }"
        }
    }
}
