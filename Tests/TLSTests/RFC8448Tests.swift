import SwiftletCrypto
import Testing
@testable import SwiftletTLS

/// RFC 8448 §3, "Simple 1-RTT Handshake", reproduced byte for byte: the hello messages parse
/// and re-encode to the recorded bytes, the key schedule gives the recorded secrets from the
/// recorded key shares and transcript, and the record layer opens the recorded records and
/// seals the client's records to exactly the recorded bytes.
@Suite struct RFC8448Tests {
    // The trace's data (RFC 8448 §3).
    static let clientPrivateKey = hex("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005")
    static let serverPrivateKey = hex("b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e")
    static let clientHello = hex("""
        010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b\
        0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d0020\
        99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e04030503060302030804\
        0805080604010501060102010402050206020202002d00020101001c00024001
        """)
    static let serverHelloRecord = hex("""
        160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e0033002400\
        1d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304
        """)
    static let serverFlightRecord = hex("""
        17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb\
        960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c\
        7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd\
        0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09\
        ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad274\
        09960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66\
        d902f4f292a36ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b\
        7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7c\
        ca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c69\
        18a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999b\
        bf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de9\
        3b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c17\
        19bfdabf0253fe5175be898e750edc53370d2b
        """)
    static let clientFinishedRecord = hex("170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546")
    static let ticketRecord = hex("""
        17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63c758db289a015940252f5571\
        3e061dc13e078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e09c30ba1e62972ac46f75f7b981be\
        63439b2999ce13064615139891d5e4c5b406f16e3fc181a77ca475840025db2f0a77f81b5ab05b94c01346755f69232c86519d86cbeeac\
        87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779\
        b37bf15985684f
        """)
    static let clientApplicationRecord = hex("""
        1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292\
        a2977014bd1e3deae63aeebb21694915e4
        """)
    static let serverApplicationRecord = hex("""
        17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0\
        a21c0047c2abf332540dd032e167c2955d
        """)
    static let serverAlertRecord = hex("1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9")
    static let clientAlertRecord = hex("1703030013c9872760655666b74d7ff1153efd6db6d0b0e3")
    static let applicationData = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031")

    static let sharedSecret = hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d")
    static let handshakeSecret = hex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")
    static let clientHandshakeSecret = hex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
    static let serverHandshakeSecret = hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
    static let masterSecret = hex("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919")
    static let clientApplicationSecret = hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
    static let serverApplicationSecret = hex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")

    @Test func helloMessagesParseAndReencodeByteForByte() throws {
        var deframer = HandshakeDeframer()
        try deframer.append(Self.clientHello)
        let message = try #require(try deframer.next())
        #expect(message.type == .clientHello)
        let hello = try ClientHello.parse(message.body)
        #expect(HandshakeMessage.frame(.clientHello, hello.encoded) == Self.clientHello)
        #expect(hello.cipherSuites == [.aes128GCMSHA256, .chacha20Poly1305SHA256, .aes256GCMSHA384])
        #expect(try hello.extensions.serverName() == "server")
        #expect(try hello.extensions.offeredVersions() == [.tls13])
        #expect(try hello.extensions.supportedGroups()?.first == .x25519)
        #expect(try hello.extensions.clientKeyShares()?.map { $0.group } == [.x25519])
        #expect(try hello.extensions.recordSizeLimit() == 0x4001)
        #expect(try hello.extensions.signatureAlgorithms()?.contains(.rsaPSSRSAESHA256) == true)

        var records = RecordDeframer()
        records.append(Self.serverHelloRecord)
        let record = try #require(try records.next())
        #expect(record.contentType == .handshake)
        #expect(record.encoded == Self.serverHelloRecord)
        let serverHello = try ServerHello.parse(Array(record.fragment[4...]))
        #expect(!serverHello.isHelloRetryRequest)
        #expect(serverHello.cipherSuite == .aes128GCMSHA256)
        #expect(try serverHello.extensions.selectedVersion() == .tls13)
        #expect(HandshakeMessage.frame(.serverHello, serverHello.encoded) == record.fragment)
    }

    @Test func x25519GivesTheRecordedSharedSecret() throws {
        let client = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Self.clientPrivateKey)
        let server = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Self.serverPrivateKey)
        #expect(hexString(client.publicKey.rawRepresentation) == "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c")
        let shared = try KeyExchangeKey.x25519(client).sharedSecret(with: server.publicKey.rawRepresentation)
        #expect(shared == Self.sharedSecret)
    }

    @Test func keyScheduleGivesTheRecordedSecrets() throws {
        let shared = Self.sharedSecret
        var transcript = TranscriptHash(.sha256)
        transcript.update(Self.clientHello)
        transcript.update(Array(Self.serverHelloRecord[5...]))
        #expect(hexString(transcript.current) == "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8")

        let schedule = KeySchedule(hash: .sha256, sharedSecret: shared)
        #expect(schedule.handshakeSecret == Self.handshakeSecret)
        #expect(schedule.clientHandshakeTrafficSecret(transcriptHash: transcript.current) == Self.clientHandshakeSecret)
        #expect(schedule.serverHandshakeTrafficSecret(transcriptHash: transcript.current) == Self.serverHandshakeSecret)
        #expect(schedule.masterSecret == Self.masterSecret)
        let keys = KeySchedule.trafficKeys(.sha256, secret: Self.serverHandshakeSecret, keyLength: 16)
        #expect(hexString(keys.key) == "3fce516009c21727d0f2e4e86ee403bc")
        #expect(hexString(keys.iv) == "5d313eb2671276ee13000b30")
    }

    @Test func recordsOpenAndSealByteForByte() throws {
        // The server's flight, under the server's handshake keys.
        var serverHandshake = try RecordProtector(suite: .aes128GCMSHA256, secret: Self.serverHandshakeSecret)
        var deframer = RecordDeframer()
        deframer.append(Self.serverFlightRecord)
        let flightRecord = try #require(try deframer.next())
        let flight = try serverHandshake.open(flightRecord)
        #expect(flight.type == .handshake)

        // Sealing it again gives the recorded record: key, nonce, inner type, tag.
        var resealer = try RecordProtector(suite: .aes128GCMSHA256, secret: Self.serverHandshakeSecret)
        #expect(resealer.seal(.handshake, flight.content) == Self.serverFlightRecord)

        var messages = HandshakeDeframer()
        try messages.append(flight.content)
        var transcript = TranscriptHash(.sha256)
        transcript.update(Self.clientHello)
        transcript.update(Array(Self.serverHelloRecord[5...]))
        var types: [HandshakeType] = []
        while let message = try messages.next() {
            types.append(message.type)
            let parsed = try HandshakeMessage.parse(type: message.type, body: message.body)
            switch parsed {
            case .encryptedExtensions(let value): #expect(HandshakeMessage.frame(.encryptedExtensions, value.encoded) == message.raw)
            case .certificate(let value):
                #expect(HandshakeMessage.frame(.certificate, value.encoded) == message.raw)
                #expect(value.entries.count == 1)
            case .certificateVerify(let value):
                #expect(value.algorithm == .rsaPSSRSAESHA256)
                #expect(HandshakeMessage.frame(.certificateVerify, value.encoded) == message.raw)
            case .finished(let verifyData):
                let expected = KeySchedule.finishedVerifyData(.sha256, baseKey: Self.serverHandshakeSecret, transcriptHash: transcript.current)
                #expect(verifyData == expected)
                #expect(hexString(verifyData) == "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718")
            default: Issue.record("unexpected message \(message.type.rawValue)")
            }
            transcript.update(message.raw)
        }
        #expect(types == [.encryptedExtensions, .certificate, .certificateVerify, .finished])

        // Application secrets from the transcript through the server's Finished.
        let schedule = KeySchedule(hash: .sha256, sharedSecret: Self.sharedSecret)
        #expect(schedule.clientApplicationTrafficSecret(transcriptHash: transcript.current) == Self.clientApplicationSecret)
        #expect(schedule.serverApplicationTrafficSecret(transcriptHash: transcript.current) == Self.serverApplicationSecret)

        // The client's Finished, sealed under the client's handshake keys.
        let clientVerifyData = KeySchedule.finishedVerifyData(.sha256, baseKey: Self.clientHandshakeSecret, transcriptHash: transcript.current)
        var clientHandshake = try RecordProtector(suite: .aes128GCMSHA256, secret: Self.clientHandshakeSecret)
        #expect(clientHandshake.seal(.handshake, HandshakeMessage.frame(.finished, clientVerifyData)) == Self.clientFinishedRecord)

        // Application traffic: the ticket (sequence 0), data (1) and close_notify (2) from the
        // server; data (0) and close_notify (1) from the client.
        var serverApplication = try RecordProtector(suite: .aes128GCMSHA256, secret: Self.serverApplicationSecret)
        deframer.append(Self.ticketRecord + Self.serverApplicationRecord + Self.serverAlertRecord)
        let ticket = try serverApplication.open(try #require(try deframer.next()))
        #expect(ticket.type == .handshake)
        var ticketMessages = HandshakeDeframer()
        try ticketMessages.append(ticket.content)
        let ticketMessage = try #require(try ticketMessages.next())
        #expect(ticketMessage.type == .newSessionTicket)
        _ = try NewSessionTicket.parse(ticketMessage.body)
        let data = try serverApplication.open(try #require(try deframer.next()))
        #expect(data.type == .applicationData && data.content == Self.applicationData)
        let alert = try serverApplication.open(try #require(try deframer.next()))
        #expect(alert.type == .alert)
        #expect(try Alert.parse(alert.content) == Alert(.closeNotify))

        var clientApplication = try RecordProtector(suite: .aes128GCMSHA256, secret: Self.clientApplicationSecret)
        #expect(clientApplication.seal(.applicationData, Self.applicationData) == Self.clientApplicationRecord)
        #expect(clientApplication.seal(.alert, Alert(.closeNotify).encoded) == Self.clientAlertRecord)
    }

    @Test func aTamperedRecordFailsWithBadRecordMAC() throws {
        var protector = try RecordProtector(suite: .aes128GCMSHA256, secret: Self.serverHandshakeSecret)
        var bytes = Self.serverFlightRecord
        bytes[100] ^= 1
        var deframer = RecordDeframer()
        deframer.append(bytes)
        let record = try #require(try deframer.next())
        #expect(throws: TLSError.badRecordMAC) { _ = try protector.open(record) }
    }
}
