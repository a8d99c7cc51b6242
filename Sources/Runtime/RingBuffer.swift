/// A first-in, first-out queue with amortised O(1) push and pop and no per-element allocation.
public struct RingBuffer<Element> {
    private var storage: [Element?] = []
    private var head = 0
    /// How many elements are queued.
    public private(set) var count = 0

    /// An empty queue.
    public init() {}

    /// Whether nothing is queued.
    public var isEmpty: Bool { count == 0 }

    /// Queues `element` at the back.
    public mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = element
        count += 1
    }

    /// Takes the element at the front.
    public mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return element
    }

    private mutating func grow() {
        var bigger = [Element?](repeating: nil, count: Swift.max(16, storage.count * 2))
        for index in 0..<count { bigger[index] = storage[(head + index) % storage.count] }
        storage = bigger
        head = 0
    }
}
