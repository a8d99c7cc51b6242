/// A configuration key of a unikernel: a typed value with a default and one line of doc.
///
/// ```swift
/// let hello = Key.string("hello", default: "Hello World!", doc: "How to say hello.")
/// ```
/// The application reads it as `Keys.hello` (names with dashes become camel case:
/// `ipv4-gateway` is `Keys.ipv4Gateway`).
public struct Key: Sendable {
    /// When a key's value is fixed.
    public enum Stage: String, Sendable {
        /// Given to the built unikernel (`dist/hello --hello=Bonjour`); `swiftlet configure
        /// --hello=Hola` changes its default.
        case runtime
        /// Fixed by `swiftlet configure --key=value`, compiled in as a constant.
        case configure
    }

    /// The name used on command lines, without dashes.
    public let name: String
    /// The type: `string`, `int`, `bool`, `ipv4-address` or `ipv4-prefix`.
    public let type: String
    /// The default, written as it would be on a command line.
    public let defaultText: String
    /// One line of documentation, shown by `swiftlet help configure` and `--help`.
    public let doc: String
    /// When the value is fixed.
    public let stage: Stage

    /// A text key.
    public static func string(_ name: String, default value: String, doc: String, stage: Stage = .runtime) -> Key {
        Key(name: name, type: "string", defaultText: value, doc: doc, stage: stage)
    }

    /// An integer key.
    public static func int(_ name: String, default value: Int, doc: String, stage: Stage = .runtime) -> Key {
        Key(name: name, type: "int", defaultText: String(value), doc: doc, stage: stage)
    }

    /// A boolean key; `--name` alone means true.
    public static func bool(_ name: String, default value: Bool, doc: String, stage: Stage = .runtime) -> Key {
        Key(name: name, type: "bool", defaultText: value ? "true" : "false", doc: doc, stage: stage)
    }

    /// An IPv4 address key, written `10.0.0.1`.
    public static func ipv4Address(_ name: String, default value: String, doc: String, stage: Stage = .runtime) -> Key {
        Key(name: name, type: "ipv4-address", defaultText: value, doc: doc, stage: stage)
    }

    /// An IPv4 address-and-prefix key, written `10.0.0.2/24`.
    public static func ipv4Prefix(_ name: String, default value: String, doc: String, stage: Stage = .runtime) -> Key {
        Key(name: name, type: "ipv4-prefix", defaultText: value, doc: doc, stage: stage)
    }
}
