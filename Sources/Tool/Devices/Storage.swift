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

    // The writable store on a block device comes with the log store.
    static let keyValue = DeviceKind(
        kind: "kv-rw", protocolName: "KeyValueStore", doc: "a writable key-value store on a block device", implementations: [:])
}
