import SwiftletCrypto
import Testing
@testable import SwiftletTLS

/// A Swiftlet client and a Swiftlet server talking to each other in memory: every suite and
/// group, HelloRetryRequest, KeyUpdate, close_notify, and the errors a peer's mistakes cause.
@Suite struct HandshakeTests {
    /// A server key and a stand-in certificate: the client's verifier pins the key, so no
    /// X.509 is involved here (the chain is checked in the client tests).
    static let serverKey = try! P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32))
    static let certificate: [UInt8] = Array("not a real certificate".utf8)

    static func serverConfiguration(seed: UInt64 = 1) -> TLSServerConfiguration {
        TLSServerConfiguration(certificateChain: [certificate], privateKey: serverKey, random: TestRandom(state: seed).random())
    }

    static func clientConfiguration(seed: UInt64 = 2, name: String = "example.test") -> TLSClientConfiguration {
        TLSClientConfiguration(serverName: name, verifier: { chain, serverName in
            guard chain == [certificate], serverName == "example.test" else { return .failure(.badCertificate("unexpected chain")) }
            return .success(.p256(serverKey.publicKey))
        }, random: TestRandom(state: seed).random())
    }

    /// Moves bytes both ways until neither side has anything to send (bounded); a side that
    /// fails still gets its alert across. Throws the first error either side hit.
    static func pump(_ client: inout TLSClientConnection, _ server: inout TLSServerConnection) throws(TLSError) -> (client: [TLSEvent], server: [TLSEvent]) {
        var clientEvents: [TLSEvent] = []
        var serverEvents: [TLSEvent] = []
        var firstError: TLSError?
        for _ in 0..<10 {
            let toServer = client.takeOutput()
            let toClient = server.takeOutput()
            if toServer.isEmpty && toClient.isEmpty { break }
            if !toServer.isEmpty {
                do { serverEvents += try server.receive(toServer) } catch { firstError = firstError ?? error }
            }
            if !toClient.isEmpty {
                do { clientEvents += try client.receive(toClient) } catch { firstError = firstError ?? error }
            }
        }
        if let firstError { throw firstError }
        return (clientEvents, serverEvents)
    }

    @Test(arguments: CipherSuite.supported)
    func everySuiteCompletesAndCarriesData(suite: CipherSuite) throws {
        var serverConfiguration = Self.serverConfiguration()
        serverConfiguration.cipherSuites = [suite]
        var server = TLSServerConnection(configuration: serverConfiguration)
        var client = try TLSClientConnection(configuration: Self.clientConfiguration())
        let events = try Self.pump(&client, &server)
        #expect(events.client == [.handshakeComplete])
        #expect(events.server == [.handshakeComplete])
        #expect(client.negotiated?.cipherSuite == suite)
        #expect(server.negotiated?.cipherSuite == suite)
        #expect(server.negotiated?.serverName == "example.test")
        #expect(server.negotiated?.applicationProtocol == "http/1.1")
        #expect(client.negotiated?.applicationProtocol == "http/1.1")
        #expect(server.negotiated?.group == .x25519)

        let request = Array("GET / HTTP/1.1\r\n\r\n".utf8)
        try client.send(request)
        #expect(try server.receive(client.takeOutput()) == [.applicationData(request)])
        // Larger than one record: split and joined again.
        let response = (0..<40_000).map { UInt8(truncatingIfNeeded: $0) }
        try server.send(response)
        let output = server.takeOutput()
        var received: [UInt8] = []
        for event in try client.receive(output) {
            if case .applicationData(let bytes) = event { received += bytes }
        }
        #expect(received == response)
    }

    @Test func helloRetryRequestWhenTheClientHasNoShareTheServerTakes() throws {
        var serverConfiguration = Self.serverConfiguration()
        serverConfiguration.groups = [.secp256r1]
        var server = TLSServerConnection(configuration: serverConfiguration)
        var client = try TLSClientConnection(configuration: Self.clientConfiguration())
        let events = try Self.pump(&client, &server)
        #expect(events.client == [.handshakeComplete])
        #expect(server.negotiated?.group == .secp256r1)
        #expect(server.negotiated?.retried == true)
        #expect(client.negotiated?.retried == true)
        try client.send([1, 2, 3])
        #expect(try server.receive(client.takeOutput()) == [.applicationData([1, 2, 3])])
    }

    @Test func p256ShareWithoutRetry() throws {
        var clientConfiguration = Self.clientConfiguration()
        clientConfiguration.groups = [.secp256r1, .x25519]
        var server = TLSServerConnection(configuration: Self.serverConfiguration())
        var client = try TLSClientConnection(configuration: clientConfiguration)
        _ = try Self.pump(&client, &server)
        #expect(server.negotiated?.group == .secp256r1)
        #expect(server.negotiated?.retried == false)
    }

    @Test func keyUpdateBothWays() throws {
        var server = TLSServerConnection(configuration: Self.serverConfiguration())
        var client = try TLSClientConnection(configuration: Self.clientConfiguration())
        _ = try Self.pump(&client, &server)
        // The client asks; the server answers with its own update; data flows under new keys.
        try client.updateKeys()
        try client.send([9])
        #expect(try server.receive(client.takeOutput()) == [.applicationData([9])])
        try server.send([8])
        #expect(try client.receive(server.takeOutput()) == [.applicationData([8])])
        try client.send([7])
        #expect(try server.receive(client.takeOutput()) == [.applicationData([7])])
    }

    @Test func closeNotify() throws {
        var server = TLSServerConnection(configuration: Self.serverConfiguration())
        var client = try TLSClientConnection(configuration: Self.clientConfiguration())
        _ = try Self.pump(&client, &server)
        client.close()
        #expect(try server.receive(client.takeOutput()) == [.peerClosed])
        #expect(server.isPeerClosed)
        #expect(throws: TLSError.closed) { try client.send([1]) }
    }

    @Test func aClientThatRejectsTheCertificateSendsItsAlert() throws {
        var server = TLSServerConnection(configuration: Self.serverConfiguration())
        var client = try TLSClientConnection(configuration: Self.clientConfiguration(name: "other.test"))
        #expect(throws: TLSError.badCertificate("unexpected chain")) { _ = try Self.pump(&client, &server) }
        #expect(client.error == .badCertificate("unexpected chain"))
        #expect(server.error == .alertReceived(.badCertificate))
    }

    @Test func aWrongSignatureIsADecryptError() throws {
        var configuration = Self.clientConfiguration()
        let otherKey = try P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 9, count: 32))
        configuration.verifier = { _, _ in .success(.p256(otherKey.publicKey)) }
        var server = TLSServerConnection(configuration: Self.serverConfiguration())
        var client = try TLSClientConnection(configuration: configuration)
        #expect(throws: TLSError.self) { _ = try Self.pump(&client, &server) }
        #expect(server.error == .alertReceived(.decryptError))
        #expect(client.error == .decryptError("the server's CertificateVerify does not verify"))
    }

    @Test func noCommonSuiteIsAHandshakeFailure() throws {
        var serverConfiguration = Self.serverConfiguration()
        serverConfiguration.cipherSuites = [.chacha20Poly1305SHA256]
        var clientConfiguration = Self.clientConfiguration()
        clientConfiguration.cipherSuites = [.aes128GCMSHA256]
        var server = TLSServerConnection(configuration: serverConfiguration)
        var client = try TLSClientConnection(configuration: clientConfiguration)
        #expect(throws: TLSError.handshakeFailure("no common cipher suite")) { _ = try Self.pump(&client, &server) }
        #expect(client.error == .alertReceived(.handshakeFailure))
        #expect(server.error == .handshakeFailure("no common cipher suite"))
    }

    @Test func theRecordSizeLimitOfThePeerIsKept() throws {
        // A client that announces record_size_limit 512 gets records of at most 511 bytes of content.
        var server = TLSServerConnection(configuration: Self.serverConfiguration())
        var client = try TLSClientConnection(configuration: Self.clientConfiguration())
        var hello = client.takeOutput()
        // Rebuild the ClientHello with the extension added.
        var records = RecordDeframer()
        records.append(hello)
        let record = try #require(try records.next())
        var parsed = try ClientHello.parse(Array(record.fragment[4...]))
        parsed.extensions.appendRecordSizeLimit(512)
        let message = HandshakeMessage.frame(.clientHello, parsed.encoded)
        hello = TLSRecord(contentType: .handshake, legacyVersion: 0x0301, fragment: message).encoded
        _ = try server.receive(hello)
        #expect(server.maximumFragmentLength == 511)
    }
}
