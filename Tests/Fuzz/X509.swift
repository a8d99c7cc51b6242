// Fuzz target for SwiftletX509's certificate, public key and private key parsers; built and run
// by Scripts/fuzz (seeds: Seeds/X509.hex).
// fuzz-sources: Sources/X509/DER/*.swift Sources/X509/PEM/*.swift
// fuzz-sources: Sources/X509/Keys/SubjectPublicKeyInfo.swift Sources/X509/Keys/ECPrivateKeyDocument.swift
// fuzz-sources: Sources/X509/Certificate/*.swift Sources/X509/Verification/HostnameMatching.swift
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzX509(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(FuzzInput.slice(data, size))
    if let certificate = try? Certificate(derEncoded: bytes) {
        FuzzInput.require(certificate.der == bytes, "certificate bytes not kept")
        FuzzInput.require(certificate.tbsCertificate.count < bytes.count, "tbsCertificate not inside")
        FuzzInput.require((try? Certificate(derEncoded: certificate.der)) == certificate, "parse again differs")
        FuzzInput.require((try? Certificate(pemEncoded: certificate.pemEncoded)) == certificate, "PEM round trip")
        _ = certificate.subject.commonName
        _ = certificate.isSelfIssued
        let names = certificate.extensions.subjectAlternativeNames ?? []
        for name in certificate.extensions.dnsNames {
            _ = HostnameMatching.matches(name, names)
            _ = HostnameMatching.matches("www." + name, names)
        }
    }
    if let key = try? SubjectPublicKeyInfo(derEncoded: bytes) {
        FuzzInput.require(key.der == bytes, "SubjectPublicKeyInfo bytes not kept")
        _ = key.keyBits
    }
    for document in [try? ECPrivateKeyDocument(pkcs8DER: bytes), try? ECPrivateKeyDocument(sec1DER: bytes)] {
        guard let document else { continue }
        FuzzInput.require(document.scalar.count == 32, "scalar width")
        let again = try? ECPrivateKeyDocument(pkcs8DER: document.pkcs8DER)
        FuzzInput.require(again?.scalar == document.scalar && again?.publicKey == document.publicKey, "PKCS#8 round trip")
        let sec1 = try? ECPrivateKeyDocument(sec1DER: document.sec1DER)
        FuzzInput.require(sec1?.scalar == document.scalar, "SEC1 round trip")
    }
    return 0
}
