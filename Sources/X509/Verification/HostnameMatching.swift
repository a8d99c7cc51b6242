import SwiftletDevices

/// Matching a host name against a certificate's subjectAltName (RFC 6125 §6.4, RFC 9525).
///
/// DNS names compare ASCII case-insensitively, a trailing dot ignored. A wildcard is allowed
/// only as the whole left-most label (`*.example.com`), stands for exactly one non-empty label,
/// and needs at least two labels after it (no `*.com`). Partial wildcards (`f*.example.com`)
/// never match. IP address host names (IPv4, IPv6) match iPAddress entries only. The subject's common name is
/// not consulted (RFC 9525 §6.3).
public enum HostnameMatching {
    /// Whether `hostname` is one of `names` (a certificate's subjectAltName) under the rules above.
    public static func matches(_ hostname: String, _ names: [GeneralName]) -> Bool {
        let host = canonical(hostname)
        guard !host.isEmpty else { return false }
        if let address = ipAddress(host) {
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

    /// The octets of an IP address host name (dotted-quad IPv4, or IPv6 with optional
    /// brackets), or nil for a DNS name.
    static func ipAddress(_ host: [UInt8]) -> [UInt8]? {
        let text = String(decoding: host, as: UTF8.self)
        if let address = IPv4Address(text) {
            let (a, b, c, d) = address.octets
            return [a, b, c, d]
        }
        return ipv6(host)
    }

    /// RFC 4291 §2.2 text: hexadecimal groups, at most one `::` (no embedded IPv4 form).
    private static func ipv6(_ host: [UInt8]) -> [UInt8]? {
        var text = Array(host)
        if text.first == UInt8(ascii: "["), text.last == UInt8(ascii: "]") { text = Array(text.dropFirst().dropLast()) }
        guard text.contains(UInt8(ascii: ":")), text.count <= 39 else { return nil }
        let colon = UInt8(ascii: ":")
        var gap: Int?
        for index in 0..<(text.count - 1) where text[index] == colon && text[index + 1] == colon {
            guard gap == nil else { return nil }
            gap = index
        }
        func groups(_ part: ArraySlice<UInt8>) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for field in part.split(separator: colon, omittingEmptySubsequences: false) {
                guard !field.isEmpty, field.count <= 4 else { return nil }
                var group: UInt16 = 0
                for digit in field {
                    switch digit {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): group = group << 4 | UInt16(digit - UInt8(ascii: "0"))
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): group = group << 4 | UInt16(digit - UInt8(ascii: "a") + 10)
                    default: return nil
                    }
                }
                result.append(group)
            }
            return result
        }
        let all: [UInt16]
        if let gap {
            guard let head = groups(text[..<gap]), let tail = groups(text[(gap + 2)...]), head.count + tail.count < 8
            else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let every = groups(text[...]), every.count == 8 else { return nil }
            all = every
        }
        return all.flatMap { [UInt8(truncatingIfNeeded: $0 >> 8), UInt8(truncatingIfNeeded: $0)] }
    }
}
