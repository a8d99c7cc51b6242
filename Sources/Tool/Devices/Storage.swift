extension DeviceKind {
    static let block = DeviceKind(
        kind: "block", protocolName: "BlockDevice", doc: "a sector-addressed disk",
        implementations: .targets(unix: unixBlock, solo5: solo5Block))

    /// A file attached with `--block:NAME=FILE` at run time, as the Solo5 tenders attach theirs.
    static let unixBlock = DeviceImplementation(
        typeName: "UnixBlock", expression: "UnixBlock.attach(name: NAME, path: KEYOF(block:NAME), loop: loop)", modules: [],
        keys: [UnikernelDescription.KeyDeclaration(name: "block:NAME", type: "string", defaultText: "",
                                                   doc: "The file that holds block device NAME (unix).", stage: "runtime")])

    static let solo5Block = DeviceImplementation(
        typeName: "Solo5Block", expression: "Solo5Block(name: NAME)", modules: [], solo5Device: .block)

    /// A read-only key-value store of a folder, as MirageOS's `generic_kv_ro`: the store kind is
    /// chosen at configure time with `--kv_ro`. The device is named after its label (`kv`): the
    /// Solo5 block device and `--block:kv` of the tar and FAT stores, `--kv_ro-path:kv` of the
    /// direct one; its `name` is the folder.
    static let keyValueReadOnly = DeviceKind(
        kind: "kv-ro", protocolName: "KeyValueStoreReadOnly", doc: "a read-only key-value store of a folder",
        choice: DeviceChoice(
            key: "kv_ro",
            doc: "the key-value store: the folder baked into the image, the host folder, or a tar or FAT disk image of it",
            defaults: Dictionary(uniqueKeysWithValues: Target.allCases.map { ($0, "crunch") }),
            options: [
                DeviceChoice.Option(value: "crunch", implementations: .targets(unix: crunchStore, solo5: crunchStore)),
                DeviceChoice.Option(value: "direct", implementations: [.unix: directStore]),
                DeviceChoice.Option(value: "tar", implementations: .targets(
                    unix: imageStore(.tar, on: unixImageBlock(.tar)), solo5: imageStore(.tar, on: solo5Block))),
                DeviceChoice.Option(value: "fat", implementations: .targets(
                    unix: imageStore(.fat, on: unixImageBlock(.fat)), solo5: imageStore(.fat, on: solo5Block))),
            ]),
        namedByLabel: true)

    /// The folder baked into the image: `swiftlet build` writes it as a crunch image, links it
    /// in, and declares its bounds in the generated module `SwiftletCrunch`.
    private static let crunchStore = DeviceImplementation(
        typeName: "CrunchStore",
        expression: "await loop.attach(\"the crunch key-value store \" + NAME) { () async throws(KVError) in "
            + "try CrunchStore(image: UnsafeRawBufferPointer(start: swiftlet_crunch_IDENT_start(), count: swiftlet_crunch_IDENT_size())) }",
        modules: ["SwiftletStorage"], imports: ["SwiftletCrunch"], asset: .crunch)

    /// The host folder, read in place; its absolute path at configure time is the default.
    private static let directStore = DeviceImplementation(
        typeName: "DirectStore", expression: "DirectStore.open(name: NAME, path: KEYOF(kv_ro-path:NAME), loop: loop)",
        modules: [],
        keys: [UnikernelDescription.KeyDeclaration(name: "kv_ro-path:NAME", type: "string", defaultText: "FOLDER",
                                                   doc: "The host folder served as key-value store NAME (unix, --kv_ro=direct).",
                                                   stage: "runtime")])

    /// A file attached with `--block:NAME=FILE`, by default the image `swiftlet build` made.
    private static func unixImageBlock(_ format: DiskImageFormat) -> DeviceImplementation {
        var block = unixBlock
        block.keys = [UnikernelDescription.KeyDeclaration(
            name: "block:NAME", type: "string", defaultText: format.builtImagePath(for: "NAME"),
            doc: "The disk image holding key-value store NAME (unix; swiftlet build makes it for --kv_ro=tar or fat).",
            stage: "runtime")]
        return block
    }

    /// A tar or FAT store on `block`, whose image `swiftlet build` makes from the folder.
    private static func imageStore(_ format: DiskImageFormat, on block: DeviceImplementation) -> DeviceImplementation {
        let storeType = format == .tar ? "TarStore" : "FATStore"
        var store = block.wrapped(typeName: { "\(storeType)<\($0)>" }, modules: ["SwiftletStorage"]) { blockExpression in
            "await loop.attach(\"the \(format.rawValue) key-value store \" + NAME) { () async throws(KVError) in "
                + "try await \(storeType).open(\(blockExpression)) }"
        }
        store.asset = .diskImage(format)
        return store
    }

    /// Swiftlet's log-structured store, on the target's block device of the same name.
    static let keyValue = DeviceKind(
        kind: "kv-rw", protocolName: "KeyValueStore", doc: "a writable key-value store on a block device",
        implementations: .targets(unix: logStore(on: unixBlock), solo5: logStore(on: solo5Block)))

    private static func logStore(on block: DeviceImplementation) -> DeviceImplementation {
        block.wrapped(typeName: { "LogStore<\($0)>" }, modules: ["SwiftletStorage"]) { device in
            "await loop.attach(\"the key-value store on block device \" + NAME) { () async throws(KVError) in "
                + "try await LogStore.open(\(device)) }"
        }
    }
}
