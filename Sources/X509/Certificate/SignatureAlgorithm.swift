/// The hash a signature algorithm uses.
public enum SignatureHash: Equatable, Sendable {
    case sha1, sha256, sha384, sha512

    /// Its digest length in bytes.
    public var byteCount: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    init?(identifier: ASN1ObjectIdentifier) {
        switch identifier {
        case .sha1: self = .sha1
        case .sha256: self = .sha256
        case .sha384: self = .sha384
        case .sha512: self = .sha512
        default: return nil
        }
    }
}

/// A certificate's or CSR's signature algorithm (its AlgorithmIdentifier).
public enum SignatureAlgorithm: Equatable, Sendable {
    case ecdsa(SignatureHash)
    case rsaPKCS1(SignatureHash)
    /// RSASSA-PSS with its parameters (RFC 4055 §3.1): the hash, MGF1's hash, the salt length.
    case rsaPSS(hash: SignatureHash, maskHash: SignatureHash, saltLength: Int)
    /// Anything else: parsed, but a certificate signed with it does not verify.
    case unknown(ASN1ObjectIdentifier)

    /// ecdsa-with-SHA256, the algorithm Swiftlet signs with.
    public static let ecdsaWithSHA256 = SignatureAlgorithm.ecdsa(.sha256)

    /// Parses an AlgorithmIdentifier SEQUENCE from `reader`.
    init(from reader: inout DERReader) throws(DERError) {
        var sequence = try reader.readSequence()
        let identifier = try sequence.readObjectIdentifier()
        switch identifier {
        // SHA-1 forms are parsed (old roots use them) so that verification can refuse them by name.
        case .ecdsaWithSHA1, .ecdsaWithSHA256, .ecdsaWithSHA384, .ecdsaWithSHA512:
            // RFC 5758 §3.2: the parameters field MUST be absent.
            self = .ecdsa(identifier == .ecdsaWithSHA1 ? .sha1 : identifier == .ecdsaWithSHA256 ? .sha256
                          : identifier == .ecdsaWithSHA384 ? .sha384 : .sha512)
        case .sha1WithRSAEncryption, .sha256WithRSAEncryption, .sha384WithRSAEncryption, .sha512WithRSAEncryption:
            // RFC 4055 §5: NULL parameters; absent ones are seen in the wild and accepted.
            if !sequence.isAtEnd { try sequence.readNull() }
            self = .rsaPKCS1(identifier == .sha1WithRSAEncryption ? .sha1 : identifier == .sha256WithRSAEncryption ? .sha256
                             : identifier == .sha384WithRSAEncryption ? .sha384 : .sha512)
        case .rsassaPSS:
            self = try SignatureAlgorithm.pssParameters(&sequence)
        default:
            _ = try? sequence.readElement()  // unknown parameters: skipped
            self = .unknown(identifier)
        }
        try sequence.finish()
    }

    /// RSASSA-PSS-params, every field optional with SHA-1 defaults.
    private static func pssParameters(_ outer: inout DERReader) throws(DERError) -> SignatureAlgorithm {
        var hash = SignatureHash.sha1, maskHash = SignatureHash.sha1, saltLength = 20
        var parameters = try outer.readSequence()
        if var field = try parameters.readOptionalExplicit(0) {
            hash = try hashIdentifier(&field)
            try field.finish()
        }
        if var field = try parameters.readOptionalExplicit(1) {
            var mask = try field.readSequence()
            guard try mask.readObjectIdentifier() == .mgf1 else { throw .unsupported("PSS mask generation function") }
            maskHash = try hashIdentifier(&mask)
            try mask.finish()
            try field.finish()
        }
        if var field = try parameters.readOptionalExplicit(2) {
            saltLength = try field.readSmallInteger()
            try field.finish()
        }
        if var field = try parameters.readOptionalExplicit(3) {
            guard try field.readSmallInteger() == 1 else { throw .invalidValue("PSS trailer field") }
            try field.finish()
        }
        try parameters.finish()
        return .rsaPSS(hash: hash, maskHash: maskHash, saltLength: saltLength)
    }

    /// A hash AlgorithmIdentifier (parameters absent or NULL).
    private static func hashIdentifier(_ reader: inout DERReader) throws(DERError) -> SignatureHash {
        var sequence = try reader.readSequence()
        guard let hash = SignatureHash(identifier: try sequence.readObjectIdentifier()) else { throw .unsupported("hash") }
        if !sequence.isAtEnd { try sequence.readNull() }
        try sequence.finish()
        return hash
    }

    /// Appends the AlgorithmIdentifier (ECDSA and PKCS#1 only: what Swiftlet signs with).
    func append(to builder: inout DERBuilder) {
        builder.sequence { body in
            switch self {
            case .ecdsa(let hash):
                body.objectIdentifier(hash == .sha384 ? .ecdsaWithSHA384 : hash == .sha512 ? .ecdsaWithSHA512 : .ecdsaWithSHA256)
            case .rsaPKCS1(let hash):
                body.objectIdentifier(hash == .sha384 ? .sha384WithRSAEncryption
                                      : hash == .sha512 ? .sha512WithRSAEncryption : .sha256WithRSAEncryption)
                body.null()
            case .rsaPSS, .unknown:
                body.objectIdentifier(.rsassaPSS)
            }
        }
    }
}
