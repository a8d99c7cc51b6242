/// Bytes the application wrote and the peer has not yet acknowledged: everything from
/// SND.UNA on, sent or not.
struct SendBuffer {
    private var storage: [UInt8] = []
    /// Where SND.UNA's byte is in `storage`; the bytes before it are acknowledged.
    private var head = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Bytes held (unacknowledged plus unsent).
    var count: Int { storage.count - head }
    /// Room left for the application.
    var free: Int { capacity - count }

    /// Appends as much of `bytes` as fits; returns how many bytes were taken.
    mutating func append(_ bytes: ArraySlice<UInt8>) -> Int {
        let taken = min(bytes.count, free)
        guard taken > 0 else { return 0 }
        if head > 0, head >= storage.count / 2 {
            // Compact now and then rather than on every acknowledgement: one move per buffer's worth.
            storage.removeSubrange(0..<head)
            head = 0
        }
        storage.append(contentsOf: bytes.prefix(taken))
        return taken
    }

    /// Drops `count` acknowledged bytes from the front.
    mutating func acknowledge(_ count: Int) {
        head += min(max(count, 0), self.count)
        if head == storage.count {
            // Drained: an idle connection holds no send memory.
            storage = []
            head = 0
        }
    }

    /// The bytes `offset ..< offset + length` counted from SND.UNA.
    func bytes(at offset: Int, length: Int) -> ArraySlice<UInt8> {
        let start = head + max(0, min(offset, count))
        let end = min(start + max(0, length), storage.count)
        return storage[start..<end]
    }
}
