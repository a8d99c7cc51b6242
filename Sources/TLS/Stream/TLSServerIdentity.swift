/// The server configuration a listener hands to each connection it accepts, replaceable while
/// it runs: replace ``configuration`` with a renewed certificate's and new connections handshake
/// with it (``replace(with:)``), while connections already accepted keep the one they started with. The runtime is
/// one executor, so a plain reference suffices.
///
/// ```swift
/// let identity = TLSServerIdentity(initial)
/// let server = HTTPServer(stack: TLSStack(base: stack, serverIdentity: identity), ...)
/// // later, from the certificate renewer:
/// identity.replace(with: renewed)
/// ```
public final class TLSServerIdentity: @unchecked Sendable {
    /// What the next accepted connection handshakes with.
    public private(set) var configuration: TLSServerConfiguration
    /// How many times ``configuration`` was replaced.
    public private(set) var replacements = 0

    public init(_ configuration: TLSServerConfiguration) {
        self.configuration = configuration
    }

    /// Replaces the configuration for connections accepted from now on.
    public func replace(with configuration: TLSServerConfiguration) {
        self.configuration = configuration
        replacements += 1
    }
}
