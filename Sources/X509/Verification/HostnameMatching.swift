/// Matching a host name against a certificate's subjectAltName (RFC 6125 §6.4, RFC 9525).
///
/// DNS names compare ASCII case-insensitively, a trailing dot ignored. A wildcard is allowed
/// only as the whole left-most label (`*.example.com`), stands for exactly one non-empty label,
/// and needs at least two labels after it (no `*.com`). Partial wildcards (`f*.example.com`)
/// never match. IPv4 host names match iPAddress entries only. The subject's common name is
/// not consulted (RFC 9525 §6.3).
public enum HostnameMatching {
    /// Whether `hostname` is one of `names` (a certificate's subjectAltName) under the rules above.
    public static func matches(_ hostname: String, _ names: [GeneralName]) -> Bool {
        let host = canonical(hostname)
        guard !host.isEmpty else { return false }
        if let address = ipv4(host) {
            return names.contains { $0 == .ipAddress(address) }
        }
        for case .dnsName(let pattern) in names where matches(host: host, pattern: canonical(pattern)) { return true }
        return false
    }

    /// Lower case, one trailing dot dropped.
    private static func canonical(_ name: String) -> [UInt8] {
        var bytes = name.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        return bytes
    }

    private static func matches(host: [UInt8], pattern: [UInt8]) -> Bool {
        let hostLabels = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        let patternLabels = pattern.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard hostLabels.count == patternLabels.count, !hostLabels.contains(where: { $0.isEmpty }),
              !patternLabels.contains(where: { $0.isEmpty }) else { return false }
        let star = UInt8(ascii: "*")
        for (index, (hostLabel, patternLabel)) in zip(hostLabels, patternLabels).enumerated() {
            if index == 0 && patternLabel.count == 1 && patternLabel.first == star {
                guard patternLabels.count >= 3, !hostLabel.contains(star) else { return false }
                continue
            }
            guard !patternLabel.contains(star), hostLabel.elementsEqual(patternLabel) else { return false }
        }
        return true
    }

    /// The four octets of a dotted-quad IPv4 address, or nil.
    private static func ipv4(_ host: [UInt8]) -> [UInt8]? {
        let parts = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            var value = 0
            for digit in part { value = value * 10 + Int(digit - 0x30) }
            guard value <= 255 else { return nil }
            octets.append(UInt8(value))
        }
        return octets
    }
}
