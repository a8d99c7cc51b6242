import SwiftletDevices

/// Why a certificate chain is not trusted.
public enum CertificateError: Error, Equatable, Sendable {
    /// `now` is after a certificate's notAfter.
    case expired
    /// `now` is before a certificate's notBefore.
    case notYetValid
    /// The leaf's subjectAltName does not cover the host name.
    case nameMismatch
    /// No path leads from the leaf to a trust anchor.
    case unknownIssuer
    /// A signature does not verify with its issuer's key.
    case badSignature
    /// An issuer is not a CA: no basicConstraints with cA, or a keyUsage without keyCertSign.
    case notACA
    /// A CA's pathLenConstraint allows fewer certificates below it than the chain has.
    case pathLengthExceeded
    /// The leaf's extendedKeyUsage does not allow the purpose asked for (TLS server, by default).
    case usageNotAllowed
    /// A certificate has a critical extension we do not process.
    case unhandledCriticalExtension
    /// A signature algorithm or key we cannot verify with (SHA-1, DSA, RSA under 2048 bits,
    /// PSS with a salt other than the hash length...).
    case unsupportedAlgorithm
}

/// Verifies server certificate chains against a set of trust anchors (RFC 5280 §6, simplified:
/// no name constraints, policies or revocation).
///
/// ```swift
/// let anchors = try Certificate.chain(pemEncoded: caBundle)
/// let verifier = CertificateVerifier(trustAnchors: anchors)
/// let path = try verifier.verify(leaf: chain[0], intermediates: Array(chain.dropFirst()),
///                                hostname: "example.com", now: clock.now())
/// ```
public struct CertificateVerifier: Sendable {
    /// The certificates trusted as issuers (roots), whatever their own issuer.
    public var trustAnchors: [Certificate]
    /// The longest path tried, leaf and anchor included.
    public var maximumPathLength = 10
    /// A bound on signature checks per verification, against crafted bundles.
    public var maximumSignatureChecks = 64

    public init(trustAnchors: [Certificate]) {
        self.trustAnchors = trustAnchors
    }

    /// Checks that `leaf` is valid at `now`, names `hostname` (when given), allows `purpose`
    /// (when it has extendedKeyUsage), and chains through `intermediates` to a trust anchor.
    /// Returns the path, leaf first, anchor last.
    public func verify(leaf: Certificate, intermediates: [Certificate], hostname: String?, now: WallClockTime,
                       purpose: ASN1ObjectIdentifier = .serverAuth) throws(CertificateError) -> [Certificate] {
        try checkValidity(leaf, now: now)
        if let hostname, !HostnameMatching.matches(hostname, leaf.extensions.subjectAlternativeNames ?? []) {
            throw .nameMismatch
        }
        if let usages = leaf.extensions.extendedKeyUsage, !usages.contains(purpose), !usages.contains(.anyExtendedKeyUsage) {
            throw .usageNotAllowed
        }
        guard leaf.extensions.unhandledCriticalExtensions.isEmpty else { throw .unhandledCriticalExtension }
        // A leaf that is itself a trust anchor (a pinned self-signed certificate) needs no path.
        if trustAnchors.contains(leaf) { return [leaf] }
        var search = PathSearch(verifier: self, intermediates: intermediates, now: now)
        if let path = search.extend([leaf]) { return path }
        throw search.firstError ?? .unknownIssuer
    }

    func checkValidity(_ certificate: Certificate, now: WallClockTime) throws(CertificateError) {
        if now.secondsSinceEpoch < certificate.notBefore.secondsSinceEpoch { throw .notYetValid }
        if now.secondsSinceEpoch > certificate.notAfter.secondsSinceEpoch { throw .expired }
    }

    /// Whether `issuer` may issue `certificate` when `below` certificates that are not
    /// self-issued lie under it besides the leaf, and signed it.
    /// A v1 trust anchor (no extensions, as some old roots are) is taken as a CA.
    func checkIssuer(_ issuer: Certificate, of certificate: Certificate, intermediatesBelow below: Int,
                     isAnchor: Bool, now: WallClockTime) throws(CertificateError) {
        if !(isAnchor && issuer.version == 1) {
            guard let constraints = issuer.extensions.basicConstraints, constraints.isCA else { throw .notACA }
            if let usage = issuer.extensions.keyUsage, !usage.contains(.keyCertSign) { throw .notACA }
            if let limit = constraints.pathLength, below > limit { throw .pathLengthExceeded }
        }
        guard issuer.extensions.unhandledCriticalExtensions.isEmpty else { throw .unhandledCriticalExtension }
        try checkValidity(issuer, now: now)
        try SignatureCheck.verify(certificate, signedBy: issuer.publicKey)
    }
}

/// A depth-first search from the leaf towards a trust anchor.
private struct PathSearch {
    let verifier: CertificateVerifier
    let intermediates: [Certificate]
    let now: WallClockTime
    var signatureChecks = 0
    /// The first reason a candidate issuer was refused: what `verify` reports when no path is found.
    var firstError: CertificateError?

    init(verifier: CertificateVerifier, intermediates: [Certificate], now: WallClockTime) {
        self.verifier = verifier
        self.intermediates = intermediates
        self.now = now
    }

    /// A complete path that starts with `path`, or nil.
    mutating func extend(_ path: [Certificate]) -> [Certificate]? {
        guard let current = path.last, path.count < verifier.maximumPathLength else { return nil }
        // Certificates between the leaf and the candidate issuer, not counting self-issued ones.
        let below = path.dropFirst().filter { !$0.isSelfIssued }.count
        for anchor in verifier.trustAnchors where isCandidate(anchor, issuerOf: current) {
            if accept(anchor, of: current, below: below, isAnchor: true) { return path + [anchor] }
        }
        for intermediate in intermediates where isCandidate(intermediate, issuerOf: current) && !path.contains(intermediate) {
            guard accept(intermediate, of: current, below: below, isAnchor: false) else { continue }
            if let complete = extend(path + [intermediate]) { return complete }
        }
        return nil
    }

    /// Names match, and key identifiers too when both sides have one.
    private func isCandidate(_ issuer: Certificate, issuerOf certificate: Certificate) -> Bool {
        guard issuer.subject == certificate.issuer else { return false }
        if let authority = certificate.extensions.authorityKeyIdentifier, let subject = issuer.extensions.subjectKeyIdentifier {
            return authority == subject
        }
        return true
    }

    private mutating func accept(_ issuer: Certificate, of certificate: Certificate, below: Int, isAnchor: Bool) -> Bool {
        guard signatureChecks < verifier.maximumSignatureChecks else { return false }
        signatureChecks += 1
        do {
            try verifier.checkIssuer(issuer, of: certificate, intermediatesBelow: below, isAnchor: isAnchor, now: now)
            return true
        } catch {
            if firstError == nil { firstError = error }
            return false
        }
    }
}

/// Verifies the chain `leaf`, `intermediates` to `trustAnchors` for `hostname` at `now`;
/// returns the path, leaf first. See `CertificateVerifier`.
public func verifyChain(leaf: Certificate, intermediates: [Certificate], trustAnchors: [Certificate],
                        hostname: String?, now: WallClockTime) throws(CertificateError) -> [Certificate] {
    try CertificateVerifier(trustAnchors: trustAnchors).verify(leaf: leaf, intermediates: intermediates,
                                                             hostname: hostname, now: now)
}
