import SwiftletACME
import SwiftletDevices
import Testing

@Suite struct CertificateStorageTests {
    let chain = try! ACMECertificateChain(pem: FakeCA.chainPEM)
    var point: [UInt8] { chain.leaf.publicKey.keyBits }

    @Test func aSavedChainIsFoundAfterAReboot() async throws {
        let store = MemoryKeyValueStore()
        let key = try KVKey("/acme/chain.pem")
        let now = WallClockTime(secondsSinceEpoch: chain.notBefore.secondsSinceEpoch + 3600)
        #expect(await CertificateStorage.load(from: store, key: key, names: ["example.org"], publicKey: point, now: now) == nil)
        try await CertificateStorage.save(chain, to: store, key: key)
        #expect(point.count == 65)
        let loaded = await CertificateStorage.load(from: store, key: key, names: ["example.org", "a.example"], publicKey: point, now: now)
        #expect(loaded == chain)
        // Started with it, the renewer waits for day 60 instead of asking the CA at boot.
        let renewer = CertificateRenewer(clock: SimulatedClock(now.secondsSinceEpoch), time: SimulatedClock(0), current: loaded,
                                         obtain: { () throws(ACMEError) in chain }, install: { _ in })
        #expect(renewer.schedule.nextAttempt.secondsSinceEpoch == chain.notBefore.secondsSinceEpoch + 60 * 86_400)
    }

    @Test func unusableChainsAreIgnored() async throws {
        let store = MemoryKeyValueStore()
        let key = try KVKey("/acme/chain.pem")
        try await CertificateStorage.save(chain, to: store, key: key)
        let now = WallClockTime(secondsSinceEpoch: chain.notBefore.secondsSinceEpoch + 3600)
        // Another name, another key, expired.
        #expect(await CertificateStorage.load(from: store, key: key, names: ["other.example"], publicKey: point, now: now) == nil)
        let otherKey = TestKey.make(1).privateKey.publicKey.x963Representation
        #expect(await CertificateStorage.load(from: store, key: key, names: ["example.org"], publicKey: otherKey, now: now) == nil)
        #expect(await CertificateStorage.load(from: store, key: key, names: ["example.org"], publicKey: point, now: chain.notAfter) == nil)
        // Not a chain.
        store.values[key] = Array("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".utf8)
        #expect(await CertificateStorage.load(from: store, key: key, names: ["example.org"], publicKey: point, now: now) == nil)
    }

    @Test func directoriesForTheWebsiteKeys() {
        #expect(ACMEDirectories.url(production: false) == "https://acme-staging-v02.api.letsencrypt.org/directory")
        #expect(ACMEDirectories.url(production: true) == "https://acme-v02.api.letsencrypt.org/directory")
        #expect(ACMEDirectories.url(production: true, override: "https://localhost:14000/dir") == "https://localhost:14000/dir")
        #expect(ACMEDirectories.url(production: false, override: "") == ACMEDirectories.letsEncryptStaging)
    }
}
