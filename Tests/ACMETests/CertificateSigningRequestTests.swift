import Foundation
import SwiftletACME
import SwiftletCrypto
import SwiftletX509
import Testing

/// The CSRs ACME orders with (SwiftletX509's builder) read by openssl: signature valid, the names in the SAN, CN the first name, our key.
@Suite struct CertificateSigningRequestTests {
    func openssl(_ arguments: [String], input: Data) throws -> (status: Int32, output: String)? {
        guard let path = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("skipped: no openssl")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func opensslVerifiesAndReadsIt() throws {
        let key = ACMEKeys.certificateKey(seed: "csr test", using: &SystemRandomNumberGenerator.shared)
        let der = try CertificateSigningRequest(commonName: "www.example.org", dnsNames: ["www.example.org", "example.org"], privateKey: key).der
        guard let result = try openssl(["req", "-inform", "DER", "-verify", "-noout", "-text"], input: Data(der)) else { return }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("verify OK"))
        #expect(result.output.contains("Subject: CN = www.example.org") || result.output.contains("Subject: CN=www.example.org"))
        #expect(result.output.contains("DNS:www.example.org, DNS:example.org"))
        #expect(result.output.contains("ecdsa-with-SHA256"))
        guard let publicKey = try openssl(["req", "-inform", "DER", "-pubkey", "-noout"], input: Data(der)) else { return }
        let spki = PEM.encode(SubjectPublicKeyInfo(p256: key.publicKey.x963Representation).der, label: "PUBLIC KEY")
        #expect(publicKey.output == spki)
    }

    @Test func aLongFirstNameIsLeftOutOfTheSubject() throws {
        let long = String(repeating: "a", count: 60) + ".example"
        let key = ACMEKeys.certificateKey(seed: "csr test", using: &SystemRandomNumberGenerator.shared)
        let der = try CertificateSigningRequest(commonName: long, dnsNames: [long], privateKey: key).der
        guard let result = try openssl(["req", "-inform", "DER", "-verify", "-noout", "-text"], input: Data(der)) else { return }
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("CN"))
        #expect(result.output.contains("DNS:" + long))
    }
}

extension SystemRandomNumberGenerator {
    nonisolated(unsafe) static var shared = SystemRandomNumberGenerator()
}
