/// Header fields in the order they were sent, looked up by name without regard to ASCII case.
///
/// ```swift
/// var headers = HTTPHeaders()
/// headers.add("Content-Type", "text/plain")
/// headers["content-type"]     // "text/plain"
/// ```
public struct HTTPHeaders: Sendable, Sequence {
    /// The fields, as sent.
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}

    /// Headers holding `fields`, in order.
    public init(_ fields: [(String, String)]) {
        for (name, value) in fields { add(name, value) }
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// The first value of the field `name`; setting it replaces every field of that name
    /// (`nil` removes them).
    public subscript(name: String) -> String? {
        get { fields.first { ASCII.equalsIgnoringCase($0.name, name) }?.value }
        set {
            remove(name)
            if let newValue { add(name, newValue) }
        }
    }

    /// Every value of the field `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { ASCII.equalsIgnoringCase($0.name, name) }.map { $0.value }
    }

    /// Whether a field `name` is present.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field, keeping any others of the same name.
    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { ASCII.equalsIgnoringCase($0.name, name) }
    }

    /// Whether the comma-separated list in field `name` holds `token` (ASCII case ignored):
    /// `Connection: keep-alive, Upgrade` holds `upgrade`.
    public func listContains(_ name: String, token: String) -> Bool {
        for value in values(name) {
            for item in ASCII.splitList(value) where ASCII.equalsIgnoringCase(item, token) { return true }
        }
        return false
    }
}
