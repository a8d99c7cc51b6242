/// The client's bounds: how long it polls and how much it reads.
public struct ACMEClientConfiguration: Sendable {
    /// The most times one authorization or order is fetched while waiting for it to change.
    public var maxPollAttempts = 30
    /// The wait between polls when the CA sends no `Retry-After`.
    public var defaultPollInterval: Duration = .seconds(1)
    /// The longest wait between polls, whatever `Retry-After` asks for.
    public var maxPollInterval: Duration = .seconds(30)
    /// How many times in a row one request is signed again after a `badNonce` rejection (the
    /// request was not acted on, so repeating it is safe; pebble rejects 5% of nonces on purpose).
    public var maxBadNonceRetries = 1
    /// The largest response body read (a certificate chain is a few kilobytes).
    public var maxResponseBytes = 256 * 1024
    /// The `User-Agent` of every request (RFC 8555 section 6.1 asks for one).
    public var userAgent = "Swiftlet-ACME/1"

    public init() {}
}
