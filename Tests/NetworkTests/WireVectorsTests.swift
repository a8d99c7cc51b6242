import Testing
import SwiftletDevices
import SwiftletNet

/// Packets written out byte by byte, and helpers shared by the Wire*Tests suites.
///
/// The packets are laid out as Linux sends them; their checksums were computed by a separate
/// implementation (a few lines of Python over `struct.unpack("!H")` words) whose result for
/// the well-known example header below is the published 0xb861.
enum WireVectors {
    /// Ethernet + IPv4 + ICMP echo request of `ping 192.168.1.1` from 192.168.1.23 (Linux
    /// iputils: identifier 0x1c2f, sequence 1, 56 data bytes: a 16-byte timeval, then 0x10...0x37).
    /// IP header checksum 0x2d05, ICMP checksum 0x86c4.
    static let ping = bytes("""
        3c22fbaa07c1 525400123456 0800
        4500 0054 8a3b 4000 4001 2d05 c0a80117 c0a80101
        0800 86c4 1c2f 0001
        00f1536500000000 40e2010000000000
        101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637
        """)

    /// Ethernet + ARP request "who has 192.168.1.1? tell 192.168.1.23", padded to the
    /// 60-byte Ethernet minimum as received.
    static let arpRequest = bytes("""
        ffffffffffff 525400123456 0806
        0001 0800 06 04 0001 525400123456 c0a80117 000000000000 c0a80101
        000000000000000000000000000000000000
        """)

    /// IPv4 + TCP SYN from Linux, 10.0.2.15:51234 to 93.184.216.34:80, options MSS 1460,
    /// SACK permitted, timestamps (0x9a3c1f02, 0), NOP, window scale 7. IP checksum 0x24a1,
    /// TCP checksum 0xb0b7.
    static let tcpSYN = bytes("""
        4500 003c d431 4000 4006 24a1 0a00020f 5db8d822
        c822 0050 5e2b7a91 00000000 a002 faf0 b0b7 0000
        020405b4 0402080a 9a3c1f02 00000000 01030307
        """)

    /// IPv4 + UDP DNS query for example.com A (RD set), 10.0.2.15:40000 to 10.0.2.3:53.
    /// IP checksum 0x506f, UDP checksum 0xbcbf.
    static let dnsQuery = bytes("""
        4500 0039 1234 0000 4011 506f 0a00020f 0a000203
        9c40 0035 0025 bcbf
        beef 0100 0001 0000 0000 0000 076578616d706c6503636f6d00 0001 0001
        """)

    /// The example IPv4 header of Wikipedia's "IPv4 header checksum" article (checksum 0xb861).
    static let publishedHeader = bytes("4500 0073 0000 4000 4011 b861 c0a80001 c0a800c7")

    static let linuxMAC = MACAddress(0x52, 0x54, 0x00, 0x12, 0x34, 0x56)
    static let routerMAC = MACAddress(0x3c, 0x22, 0xfb, 0xaa, 0x07, 0xc1)

    /// Bytes from hex digits; whitespace is ignored.
    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var high: UInt8?
        for character in hex.utf8 {
            let digit: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = character - UInt8(ascii: "a") + 10
            default: continue
            }
            if let first = high {
                result.append(first << 4 | digit)
                high = nil
            } else {
                high = digit
            }
        }
        precondition(high == nil, "odd number of hex digits")
        return result
    }

    /// `bytes` as a slice of a larger array, with junk before and after, so that parsers are
    /// exercised with a `startIndex` other than 0 and must respect the slice's end.
    static func embedded(_ bytes: [UInt8], offset: Int = 7) -> ArraySlice<UInt8> {
        let base = [UInt8](repeating: 0xA5, count: offset) + bytes + [0x5A, 0x5A, 0x5A]
        return base[offset..<(offset + bytes.count)]
    }

    /// The Internet checksum by the book (RFC 1071), independent of `InternetChecksum`.
    static func referenceChecksum(_ bytes: [UInt8]) -> UInt16 { InternetChecksumTests.reference(bytes) }

    /// The 12-byte IPv4 pseudo-header of TCP and UDP checksums.
    static func pseudoHeader(_ source: IPv4Address, _ destination: IPv4Address, protocol number: UInt8, length: Int) -> [UInt8] {
        let (a, b, c, d) = source.octets
        let (e, f, g, h) = destination.octets
        return [a, b, c, d, e, f, g, h, 0, number, UInt8(length >> 8), UInt8(length & 0xFF)]
    }

    /// Writes the checksum of `bytes[range]` (plus `prefix`, a pseudo-header) at `field`.
    static func fillChecksum(_ bytes: inout [UInt8], field: Int, range: Range<Int>, prefix: [UInt8] = []) {
        bytes[field] = 0
        bytes[field + 1] = 0
        let checksum = referenceChecksum(prefix + bytes[range])
        bytes[field] = UInt8(checksum >> 8)
        bytes[field + 1] = UInt8(checksum & 0xFF)
    }
}

/// A seeded generator, so that randomized tests are reproducible.
typealias WireTestRandom = SplitMix64

@Suite struct WireVectorsTests {
    @Test func theReferenceChecksumReproducesThePublishedExample() {
        var header = WireVectors.publishedHeader
        #expect(WireVectors.referenceChecksum(header) == 0)
        header[10] = 0
        header[11] = 0
        #expect(WireVectors.referenceChecksum(header) == 0xb861)
    }

    @Test func theVectorsCarryCorrectChecksums() {
        let ping = WireVectors.ping
        #expect(WireVectors.referenceChecksum(Array(ping[14..<34])) == 0)
        #expect(WireVectors.referenceChecksum(Array(ping[34...])) == 0)

        let syn = WireVectors.tcpSYN
        #expect(WireVectors.referenceChecksum(Array(syn[0..<20])) == 0)
        let tcpPseudo = WireVectors.pseudoHeader(IPv4Address(10, 0, 2, 15), IPv4Address(93, 184, 216, 34), protocol: 6, length: 40)
        #expect(WireVectors.referenceChecksum(tcpPseudo + syn[20...]) == 0)

        let dns = WireVectors.dnsQuery
        #expect(WireVectors.referenceChecksum(Array(dns[0..<20])) == 0)
        let udpPseudo = WireVectors.pseudoHeader(IPv4Address(10, 0, 2, 15), IPv4Address(10, 0, 2, 3), protocol: 17, length: 37)
        #expect(WireVectors.referenceChecksum(udpPseudo + dns[20...]) == 0)
    }

    @Test func theFastChecksumAgreesOnTheVectors() {
        #expect(InternetChecksum.of(WireVectors.publishedHeader[...]) == 0)
        #expect(InternetChecksum.of(WireVectors.ping[34...]) == 0)
    }
}
