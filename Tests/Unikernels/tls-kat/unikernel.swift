import SwiftletCrypto
import SwiftletDevices
import SwiftletRuntime
import SwiftletTLS

/// SwiftletTLS in a unikernel: RFC 8448 §3 reproduced byte for byte (key schedule, record
/// protection both ways), then a client and a server handshaking in memory for every suite,
/// with and without HelloRetryRequest, exchanging data and a KeyUpdate. Prints
/// `SUCCESS: tls-kat (N checks)`; `--bench` adds in-memory handshakes per second.
///
/// Its randomness is a fixed-seed HMAC generator: known answers need repeatable runs, and no key
/// made here protects anything.
struct TLSKnownAnswers<Clock: MonotonicClock> {
    let monotonicClock: Clock

    func start() async -> Int32 {
        var check = Checker()
        trace(&check)
        for suite in CipherSuite.supported {
            for groups in [[NamedGroup.x25519], [.secp256r1]] {
                handshake(&check, suite: suite, serverGroups: groups)
            }
        }
        guard check.failures == 0 else {
            print("FAILURE: tls-kat, \(check.failures) of \(check.count) checks failed")
            return 1
        }
        print("SUCCESS: tls-kat (\(check.count) checks)")
        if Keys.bench { benchmark(seconds: Keys.seconds) }
        return 0
    }

    func trace(_ check: inout Checker) {
        let schedule = KeySchedule(hash: .sha256, sharedSecret: Trace.sharedSecret)
        check("X25519 shared secret", (try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Trace.clientPrivateKey)
            .sharedSecretFromKeyAgreement(with: Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Trace.serverPrivateKey).publicKey)) ?? [],
              Trace.sharedSecret)
        check("handshake secret", schedule.handshakeSecret, Trace.handshakeSecret)
        var transcript = TranscriptHash(.sha256)
        transcript.update(Trace.clientHello)
        transcript.update(Array(Trace.serverHelloRecord[5...]))
        check("client handshake traffic", schedule.clientHandshakeTrafficSecret(transcriptHash: transcript.current), Trace.clientHandshakeSecret)
        check("server handshake traffic", schedule.serverHandshakeTrafficSecret(transcriptHash: transcript.current), Trace.serverHandshakeSecret)
        check("master secret", schedule.masterSecret, Trace.masterSecret)
        check("ClientHello re-encoded", (try? ClientHello.parse(Array(Trace.clientHello[4...])))
            .map { HandshakeMessage.frame(.clientHello, $0.encoded) } ?? [], Trace.clientHello)

        guard var server = try? RecordProtector(suite: .aes128GCMSHA256, secret: Trace.serverHandshakeSecret),
              var reseal = try? RecordProtector(suite: .aes128GCMSHA256, secret: Trace.serverHandshakeSecret),
              var client = try? RecordProtector(suite: .aes128GCMSHA256, secret: Trace.clientHandshakeSecret) else {
            check("record keys", false)
            return
        }
        var deframer = RecordDeframer()
        deframer.append(Trace.serverFlightRecord)
        guard let record = try? deframer.next(), let flight = try? server.open(record) else {
            check("server flight opens", false)
            return
        }
        check("server flight re-sealed", reseal.seal(.handshake, flight.content), Trace.serverFlightRecord)
        transcript.update(flight.content)
        check("client application traffic", schedule.clientApplicationTrafficSecret(transcriptHash: transcript.current), Trace.clientApplicationSecret)
        let verifyData = KeySchedule.finishedVerifyData(.sha256, baseKey: Trace.clientHandshakeSecret, transcriptHash: transcript.current)
        check("client Finished record", client.seal(.handshake, HandshakeMessage.frame(.finished, verifyData)), Trace.clientFinishedRecord)
        guard var clientApplication = try? RecordProtector(suite: .aes128GCMSHA256, secret: Trace.clientApplicationSecret) else { return }
        check("client application record", clientApplication.seal(.applicationData, Trace.applicationData), Trace.clientApplicationRecord)
        var tampered = Trace.serverApplicationRecord
        tampered[20] ^= 1
        deframer.append(tampered)
        guard var serverApplication = try? RecordProtector(suite: .aes128GCMSHA256, secret: Trace.serverApplicationSecret),
              let forged = try? deframer.next() else { return }
        var refused = false
        do throws(TLSError) { _ = try serverApplication.open(forged) } catch { refused = error == .badRecordMAC }
        check("tampered record refused", refused)
    }

    func handshake(_ check: inout Checker, suite: CipherSuite, serverGroups: [NamedGroup]) {
        let name = "\(suite.name) \(serverGroups[0] == .x25519 ? "x25519" : "P-256 after HelloRetryRequest")"
        var serverConfiguration = TLSServerConfiguration(certificateChain: [katCertificate], privateKey: katServerKey, random: testRandom(2))
        serverConfiguration.cipherSuites = [suite]
        serverConfiguration.groups = serverGroups
        let clientConfiguration = TLSClientConfiguration(serverName: "kat.example",
                                                         verifier: TLSClientConfiguration.pinning([katCertificate], now: { katNow }),
                                                         random: testRandom(3))
        var server = TLSServerConnection(configuration: serverConfiguration)
        guard var client = try? TLSClientConnection(configuration: clientConfiguration) else { check(name, false); return }
        do throws(TLSError) {
            try pump(&client, &server)
            check(name + ": handshake", client.isHandshakeComplete && server.isHandshakeComplete
                  && client.negotiated?.cipherSuite == suite && client.negotiated?.retried == (serverGroups[0] != .x25519))
            try client.updateKeys()
            try client.send(Array("ping".utf8))
            check(name + ": data after KeyUpdate", try server.receive(client.takeOutput()) == [.applicationData(Array("ping".utf8))])
            try server.send(Array("pong".utf8))
            check(name + ": answer under the new keys", try client.receive(server.takeOutput()) == [.applicationData(Array("pong".utf8))])
        } catch {
            check(name + ": \(error)", false)
        }
    }

    func pump(_ client: inout TLSClientConnection, _ server: inout TLSServerConnection) throws(TLSError) {
        for _ in 0..<10 {
            let toServer = client.takeOutput()
            let toClient = server.takeOutput()
            if toServer.isEmpty && toClient.isEmpty { return }
            if !toServer.isEmpty { _ = try server.receive(toServer) }
            if !toClient.isEmpty { _ = try client.receive(toClient) }
        }
    }

    func benchmark(seconds: Int) {
        let limit = Duration.seconds(seconds)
        let serverConfiguration = TLSServerConfiguration(certificateChain: [katCertificate], privateKey: katServerKey, random: testRandom(4))
        let clientConfiguration = TLSClientConfiguration(serverName: "kat.example",
                                                         verifier: TLSClientConfiguration.pinning([katCertificate], now: { katNow }),
                                                         random: testRandom(5))
        var count = 0
        let start = monotonicClock.now()
        while monotonicClock.now() - start < limit {
            var server = TLSServerConnection(configuration: serverConfiguration)
            guard var client = try? TLSClientConnection(configuration: clientConfiguration) else { return }
            guard (try? pump(&client, &server)) != nil, server.isHandshakeComplete else { print("bench: handshake failed"); return }
            count += 1
        }
        let microseconds = max(1, Int64((monotonicClock.now() - start).nanosecondsClamped / 1000))
        print("BENCH tls handshake (client and server, X25519, P-256 certificate, in memory): \(Int64(count) * 1_000_000 / microseconds) /s")
        // Record protection: 16 KiB records, AES-128-GCM.
        guard var sealer = try? RecordProtector(suite: .aes128GCMSHA256, secret: [UInt8](repeating: 1, count: 32)) else { return }
        let chunk = [UInt8](repeating: 0x61, count: 16_384)
        var bytes = 0
        let recordStart = monotonicClock.now()
        while monotonicClock.now() - recordStart < limit {
            bytes += sealer.seal(.applicationData, chunk).count
        }
        let recordMicroseconds = max(1, Int64((monotonicClock.now() - recordStart).nanosecondsClamped / 1000))
        print("BENCH tls records (AES-128-GCM, 16 KiB): \(Int64(bytes) / recordMicroseconds) MB/s")
    }
}

/// The server's key and certificate, and the time the client checks it at.
let katServerKey = try! P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 5, count: 32))
let katNow = WallClockTime(secondsSinceEpoch: 1_800_000_000)
let katCertificate = TLSServerConfiguration.selfSignedCertificate(hostname: "kat.example", key: katServerKey, now: katNow, days: 30,
                                                                        random: testRandom(1))

/// A repeatable generator for the checks (HMAC-SHA256 in counter mode over a fixed seed).
func testRandom(_ seed: UInt8) -> TLSRandom {
    let state = CounterState(seed: seed)
    return TLSRandom { bytes in
        var offset = 0
        while offset < bytes.count {
            state.counter &+= 1
            let block = HMAC<SHA256>.authenticationCode(for: [UInt8(truncatingIfNeeded: state.counter >> 8), UInt8(truncatingIfNeeded: state.counter)],
                                                        using: SymmetricKey(data: [state.seed]))
            for byte in block where offset < bytes.count {
                bytes[offset] = byte
                offset += 1
            }
        }
    }
}

final class CounterState {
    let seed: UInt8
    var counter: UInt64 = 0
    init(seed: UInt8) { self.seed = seed }
}

struct Checker {
    var count = 0
    var failures = 0

    mutating func callAsFunction(_ name: String, _ condition: Bool) {
        count += 1
        if !condition {
            failures += 1
            print("FAILED: \(name)")
        }
    }

    mutating func callAsFunction(_ name: String, _ value: [UInt8], _ expected: [UInt8]) {
        self(name, value == expected)
    }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8? = nil
    for character in text.utf8 {
        let value: UInt8
        switch character {
        case 0x30...0x39: value = character - 0x30
        case 0x61...0x66: value = character - 0x61 + 10
        default: continue
        }
        if let pending = high { bytes.append(pending << 4 | value); high = nil } else { high = value }
    }
    return bytes
}
