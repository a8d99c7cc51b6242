import SwiftletDevices
import SwiftletRuntime
import SwiftletStorage

/// Walks the whole store and prints one line per entry, for the test to compare with the host's
/// folder:
///   `D /path` for a dictionary,
///   `F SIZE SHA256 /path` for a value, streamed in 1 MiB chunks through SHA-256;
/// then checks ranged reads at odd offsets against the stream, the range errors, `..` keys,
/// and (when the store's digest is a SHA-256) the digest; any failure is a `FAILURE` line.
/// Ends with `TOTAL FILES BYTES MILLISECONDS` and `SUCCESS: kv-walk`.
struct KeyValueWalk<Store: KeyValueStoreReadOnly, Clock: MonotonicClock> {
    let kv: Store
    let monotonicClock: Clock

    static var chunkSize: Int { 1 << 20 }

    /// A range read back with `get(key, offset:length:)`, and its bytes as the stream saw them.
    struct Probe {
        let offset: Int
        let length: Int
        var expected: [UInt8] = []
    }

    func start() async -> Int32 {
        let started = monotonicClock.now()
        var failures = 0, files = 0, bytes = 0
        var folders = [KVKey.root]
        while let folder = folders.popLast() {
            let entries: [(name: String, kind: KVEntryKind)]
            do { entries = try await kv.list(folder) } catch {
                print("FAILURE list \(folder): \(error)")
                failures += 1
                continue
            }
            for entry in entries {
                guard let key = try? folder.appending(entry.name) else {
                    print("FAILURE invalid name in \(folder)")
                    failures += 1
                    continue
                }
                if entry.kind == .dictionary {
                    print("D \(key)")
                    folders.append(key)
                    continue
                }
                do {
                    let size = try await check(key)
                    files += 1
                    bytes += size
                } catch {
                    print("FAILURE \(key): \(error)")
                    failures += 1
                }
            }
        }
        failures += await checkErrors()
        let elapsed = (monotonicClock.now().nanoseconds - started.nanoseconds) / 1_000_000
        print("TOTAL \(files) \(bytes) \(elapsed)")
        if failures == 0 { print("SUCCESS: kv-walk") }
        return failures == 0 ? 0 : 1
    }

    /// Streams the value under `key`, prints its line, and checks ranges and the digest.
    func check(_ key: KVKey) async throws(KVError) -> Int {
        guard try await kv.exists(key) == .value else { throw .storageFailure("exists() does not say value") }
        let size = try await kv.size(key)
        var probes = [Probe(offset: size / 3 | 1, length: 4097), Probe(offset: max(0, size - 7), length: 100),
                      Probe(offset: size / 2, length: 1), Probe(offset: 1, length: Self.chunkSize + 3)]
        probes = probes.filter { $0.offset <= size }
        var hash = SHA256()
        var offset = 0
        while offset < size {
            let chunk = try await kv.get(key, offset: offset, length: Self.chunkSize)
            guard !chunk.isEmpty, chunk.count == min(Self.chunkSize, size - offset) else {
                throw .storageFailure("a chunk at \(offset) has \(chunk.count) bytes")
            }
            hash.update(chunk)
            for index in probes.indices {
                let wanted = probes[index].offset..<min(size, probes[index].offset + probes[index].length)
                let here = wanted.clamped(to: offset..<(offset + chunk.count))
                if !here.isEmpty { probes[index].expected += chunk[(here.lowerBound - offset)..<(here.upperBound - offset)] }
            }
            offset += chunk.count
        }
        let digest = hash.finalize().hex
        print("F \(size) \(digest) \(key)")
        for probe in probes {
            let got = try await kv.get(key, offset: probe.offset, length: probe.length)
            if got != probe.expected { throw .storageFailure("range \(probe.offset)+\(probe.length) differs from the stream") }
        }
        guard try await kv.get(key, offset: size, length: 10).isEmpty else { throw .storageFailure("a read at the end is not empty") }
        do throws(KVError) {
            _ = try await kv.get(key, offset: size + 1, length: 1)
            throw .storageFailure("a read past the end succeeded")
        } catch {
            guard case .outOfRange = error else { throw error }
        }
        let stored = try await kv.digest(key)
        if stored.utf8.count == 64 && stored != digest { throw .storageFailure("digest \(stored) is not the SHA-256 \(digest)") }
        if size <= 4096, try await kv.get(key) != Array(try await kv.get(key, offset: 0, length: size)) {
            throw .storageFailure("get() and a full range differ")
        }
        return size
    }

    /// Keys with `..` are refused, missing keys are not found, and kinds are checked.
    func checkErrors() async -> Int {
        var failures = 0
        for path in ["../etc/passwd", "/a/../../b", ".."] {
            do throws(KVError) {
                _ = try KVKey(path)
                print("FAILURE \(path) was accepted as a key")
                failures += 1
            } catch {
                guard case .invalidKey = error else { failures += 1; continue }
            }
        }
        if (try? KVKey(segments: [".."])) != nil { print("FAILURE a '..' segment was accepted"); failures += 1 }
        print("dotdot keys rejected")
        do throws(KVError) {
            let missing = try KVKey("/no such file")
            if try await kv.exists(missing) != nil { print("FAILURE a missing key exists"); failures += 1 }
            _ = try await kv.get(missing)
            print("FAILURE a missing key was read")
            failures += 1
        } catch {
            if case .notFound = error {} else { print("FAILURE missing key: \(error)"); failures += 1 }
        }
        do throws(KVError) {
            _ = try await kv.get(.root)
            print("FAILURE the root was read as a value")
            failures += 1
        } catch {
            if case .wrongKind = error {} else { print("FAILURE reading the root: \(error)"); failures += 1 }
        }
        return failures
    }
}
