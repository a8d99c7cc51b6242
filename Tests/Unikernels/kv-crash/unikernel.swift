import SwiftletDevices
import SwiftletRuntime

/// Checks that the store holds exactly the state after `--done` operations of a fixed workload,
/// or after one more (the one a kill interrupted), then runs further operations, printing
/// `DONE i` after operation `i` returns. A harness kills it at random moments and restarts it.
struct KeyValueCrash<Store: KeyValueStore> {
    let store: Store

    func start() async -> Int32 {
        let done = max(0, Keys.done)
        let before = Workload.model(after: done)
        let after = Workload.model(after: done + 1)
        let actual: [String: [UInt8]]
        do {
            actual = try await contents()
        } catch {
            print("INCONSISTENT: reading the store failed: \(error)")
            return 1
        }
        var completed: Int
        if actual == before.values() {
            completed = done
        } else if actual == after.values() {
            completed = done + 1
        } else {
            print("INCONSISTENT: the store matches neither \(done) nor \(done + 1) operations: "
                  + "\(actual.count) values, expected \(before.entries.count) or \(after.entries.count)")
            return 1
        }
        print("STATE \(completed)")
        var model = completed == done ? before : after
        for index in completed..<(completed + max(0, Keys.operations)) {
            let operation = model.operation(index)
            do {
                switch operation {
                case .set(let key, let value): try await store.set(try KVKey(key), value)
                case .remove(let key): try await store.remove(try KVKey(key))
                case .rename(let source, let destination): try await store.rename(try KVKey(source), to: try KVKey(destination))
                }
            } catch {
                print("FAILED operation \(index): \(error)")
                return 1
            }
            model.apply(operation, index: index)
            print("DONE \(index)")
        }
        print("FINISHED")
        return 0
    }

    /// Every value in the store, by path.
    private func contents() async throws(KVError) -> [String: [UInt8]] {
        var values: [String: [UInt8]] = [:]
        var pending = [KVKey.root]
        while let folder = pending.popLast() {
            for entry in try await store.list(folder) {
                let key = try folder.appending(entry.name)
                if entry.kind == .dictionary { pending.append(key) } else { values[key.description] = try await store.get(key) }
            }
        }
        return values
    }
}

/// The fixed workload: operation `i` depends only on `i` and the state before it, so the state
/// after any number of operations can be recomputed.
struct Workload {
    enum Operation {
        case set(String, [UInt8])
        case remove(String)
        case rename(String, String)
    }

    /// Each value's path → the operation that wrote it and its size (its bytes follow from those).
    var entries: [String: Stamp] = [:]

    struct Stamp: Equatable {
        let operation: Int
        let size: Int
    }

    static func model(after count: Int) -> Workload {
        var model = Workload()
        for index in 0..<count { model.apply(model.operation(index), index: index) }
        return model
    }

    static let sizes = [0, 1, 511, 512, 4000, 40000, 130_000]

    static func bytes(_ stamp: Stamp) -> [UInt8] {
        (0..<stamp.size).map { UInt8(truncatingIfNeeded: stamp.operation &* 31 &+ $0 &* 7 &+ $0 >> 9) }
    }

    func values() -> [String: [UInt8]] {
        var values: [String: [UInt8]] = [:]
        for (key, stamp) in entries { values[key] = Self.bytes(stamp) }
        return values
    }

    /// The `index`th operation, given the state before it.
    func operation(_ index: Int) -> Operation {
        let keys = entries.keys.sorted()
        let folder = "/d\(index % 3)"
        switch index % 20 {
        case 12, 13, 14 where !keys.isEmpty:
            return .remove(keys[index % keys.count])
        case 15, 16, 17 where !keys.isEmpty:
            let source = keys[(index * 7) % keys.count]
            let destination = "/d\((index + 1) % 3)/r\(index % 7)"
            if source != destination { return .rename(source, destination) }
        case 18 where keys.contains(where: { $0.hasPrefix(folder + "/") }):
            return .remove(folder)
        case 19:
            return .set("\(folder)/sub/x\(index % 5)", Self.bytes(Stamp(operation: index, size: 2000)))
        default:
            break
        }
        let size = Self.sizes[(index / 3) % Self.sizes.count]
        return .set("\(folder)/k\(index % 13)", Self.bytes(Stamp(operation: index, size: size)))
    }

    mutating func apply(_ operation: Operation, index: Int) {
        switch operation {
        case .set(let key, let value):
            entries[key] = Stamp(operation: index, size: value.count)
        case .remove(let key):
            for existing in entries.keys where existing == key || existing.hasPrefix(key + "/") { entries[existing] = nil }
        case .rename(let source, let destination):
            entries[destination] = entries[source]
            entries[source] = nil
        }
    }
}
