// Fuzz target for SwiftletTLS's handshake codec: HandshakeDeframer and the parser of every
// handshake message and extension, each re-encoded and parsed again; built and run by
// Scripts/fuzz (seeds: Seeds/TLSHandshake.hex).
// fuzz-sources: Sources/TLS/TLSError.swift Sources/TLS/Messages/*.swift
import SwiftletDevices

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTLSHandshake(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(FuzzInput.slice(data, size))
    var deframer = HandshakeDeframer(maximumMessageSize: 4096)
    guard (try? deframer.append(bytes)) != nil else { return 0 }
    while true {
        let next: (type: HandshakeType, body: [UInt8], raw: [UInt8])?
        do { next = try deframer.next() } catch { break }
        guard let message = next else { break }
        FuzzInput.require(message.raw.count == 4 + message.body.count, "message length")
        FuzzInput.require(HandshakeMessage.frame(message.type, message.body) == message.raw, "frame differs")
        guard let parsed = try? HandshakeMessage.parse(type: message.type, body: message.body) else { continue }
        FuzzInput.require(parsed.type == message.type, "type differs")
        check(parsed)
    }
    return 0
}

private func check(_ message: HandshakeMessage) {
    switch message {
    case .clientHello(let hello):
        FuzzInput.require((try? ClientHello.parse(hello.encoded)) == hello, "ClientHello round trip")
        decodeAll(hello.extensions)
    case .serverHello(let hello):
        FuzzInput.require((try? ServerHello.parse(hello.encoded)) == hello, "ServerHello round trip")
        decodeAll(hello.extensions)
        _ = hello.isHelloRetryRequest
    case .encryptedExtensions(let value):
        FuzzInput.require((try? EncryptedExtensions.parse(value.encoded)) == value, "EncryptedExtensions round trip")
        decodeAll(value.extensions)
    case .certificate(let value):
        FuzzInput.require((try? CertificateMessage.parse(value.encoded)) == value, "Certificate round trip")
    case .certificateVerify(let value):
        FuzzInput.require((try? CertificateVerify.parse(value.encoded)) == value, "CertificateVerify round trip")
    case .keyUpdate(let value):
        FuzzInput.require((try? KeyUpdate.parse(value.encoded)) == value, "KeyUpdate round trip")
    case .certificateRequest(let value):
        decodeAll(value.extensions)
    case .newSessionTicket, .finished:
        break
    }
}

private func decodeAll(_ extensions: Extensions) {
    _ = try? extensions.serverName()
    _ = try? extensions.offeredVersions()
    _ = try? extensions.selectedVersion()
    _ = try? extensions.supportedGroups()
    _ = try? extensions.signatureAlgorithms()
    _ = try? extensions.clientKeyShares()
    _ = try? extensions.serverKeyShare()
    _ = try? extensions.selectedGroup()
    _ = try? extensions.applicationProtocols()
    _ = try? extensions.recordSizeLimit()
    _ = try? extensions.cookie()
}
