/// Directory URLs of well-known ACME CAs.
public enum ACMEDirectories {
    /// Let's Encrypt's production CA: certificates browsers trust, with rate limits.
    public static let letsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"
    /// Let's Encrypt's staging CA: the same protocol with untrusted certificates and generous limits.
    public static let letsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory"

    /// The directory for `--production` (`false`: staging), unless `override` (`--acme-directory`) names another CA.
    public static func url(production: Bool, override: String? = nil) -> String {
        if let override, !override.isEmpty { return override }
        return production ? letsEncrypt : letsEncryptStaging
    }
}
