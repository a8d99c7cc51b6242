/// A failure the user can act on: what went wrong, and what to do about it.
public struct ToolError: Error, Equatable, CustomStringConvertible {
    /// What went wrong, in one sentence.
    public var message: String
    /// What to do next, if there is something to say.
    public var hint: String?
    /// The exit status: 2 for a bad command line, 1 for anything else.
    public var status: Int32

    public init(_ message: String, hint: String? = nil, status: Int32 = 1) {
        self.message = message
        self.hint = hint
        self.status = status
    }

    /// A mistake on the command line (exit status 2).
    public static func usage(_ message: String, hint: String? = nil) -> ToolError {
        ToolError(message, hint: hint, status: 2)
    }

    public var description: String {
        "swiftlet: \(message)" + (hint.map { "\n  \($0)" } ?? "")
    }
}
