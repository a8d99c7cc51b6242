import SwiftletCrypto
import SwiftletDevices

/// An ephemeral key pair of one key-exchange group (§4.2.8).
enum KeyExchangeKey {
    case x25519(Curve25519.KeyAgreement.PrivateKey)
    case secp256r1(P256.KeyAgreement.PrivateKey)

    init<R: RandomNumberGenerator>(group: NamedGroup, using random: inout R) throws(TLSError) {
        switch group {
        case .x25519: self = .x25519(Curve25519.KeyAgreement.PrivateKey(using: &random))
        case .secp256r1: self = .secp256r1(P256.KeyAgreement.PrivateKey(using: &random))
        default: throw .internalError("group \(group.rawValue) is not implemented")
        }
    }

    var group: NamedGroup {
        switch self {
        case .x25519: .x25519
        case .secp256r1: .secp256r1
        }
    }

    /// The public value as it goes in a KeyShareEntry.
    var publicValue: [UInt8] {
        switch self {
        case .x25519(let key): key.publicKey.rawRepresentation
        case .secp256r1(let key): key.publicKey.x963Representation
        }
    }

    /// The shared secret with the peer's public value; a value that is not a valid point (or
    /// gives the all-zero X25519 output) is an `illegal_parameter`.
    func sharedSecret(with peer: [UInt8]) throws(TLSError) -> [UInt8] {
        switch self {
        case .x25519(let key):
            guard peer.count == 32 else { throw .illegalParameter("X25519 share of \(peer.count) bytes") }
            do throws(CryptoError) {
                return try key.sharedSecretFromKeyAgreement(with: try Curve25519.KeyAgreement.PublicKey(rawRepresentation: peer))
            } catch {
                throw .illegalParameter("invalid X25519 share")
            }
        case .secp256r1(let key):
            guard peer.count == 65, peer[0] == 4 else { throw .illegalParameter("P-256 share is not an uncompressed point") }
            do throws(CryptoError) {
                return try key.sharedSecretFromKeyAgreement(with: try P256.KeyAgreement.PublicKey(x963Representation: peer))
            } catch {
                throw .illegalParameter("invalid P-256 share")
            }
        }
    }
}

/// A `RandomNumberGenerator` over a fill function, so configurations can carry any
/// ``RandomDevice`` without being generic over it.
public struct TLSRandom: RandomNumberGenerator {
    private let fillBytes: (inout [UInt8]) -> Void

    /// A generator that takes its bytes from `fill`.
    public init(_ fill: @escaping (inout [UInt8]) -> Void) {
        fillBytes = fill
    }

    public mutating func next() -> UInt64 {
        var bytes = [UInt8](repeating: 0, count: 8)
        fillBytes(&bytes)
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        return value
    }

    /// A generator over a ``RandomDevice`` (the `random` device of config.swift).
    public init<Device: RandomDevice>(device: Device) {
        let box = RandomDeviceBox(device)
        fillBytes = { box.device.fill(&$0) }
    }

    public func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        fillBytes(&bytes)
        return bytes
    }
}

/// Holds a random device (a value type that mutates as it draws) for ``TLSRandom``'s closure.
final class RandomDeviceBox<Device: RandomDevice> {
    var device: Device
    init(_ device: Device) { self.device = device }
}
