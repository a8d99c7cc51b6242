import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import CSwiftletSolo5
import SwiftletDevices
import SwiftletRuntime

/// A block device the tender attached under a manifest name (`--block:NAME=FILE`).
public struct Solo5Block: BlockDevice {
    let handle: solo5_handle_t
    public let info: BlockInfo

    /// The block device called `name` in the manifest. The tender refuses to start a unikernel
    /// whose declared devices are not all attached, so a failure here is a broken tender.
    public init(name: String) {
        var handle: solo5_handle_t = 0
        var info = solo5_block_info()
        guard solo5_block_acquire(name, &handle, &info) == SOLO5_R_OK else {
            fatalError("block device '\(name)' is not attached: run the unikernel with --block:\(name)=FILE")
        }
        self.handle = handle
        self.info = BlockInfo(sectorSize: Int(info.block_size), sectorCount: info.capacity / info.block_size, isWritable: true)
    }

    public func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        try info.validate(sector: sector, byteCount: buffer.count)
        let result = buffer.withUnsafeMutableBytes { bytes in
            eachSector(of: UnsafeRawBufferPointer(bytes), from: sector) { offset, at in
                solo5_block_read(handle, offset, UnsafeMutablePointer(mutating: at), info.sectorSize)
            }
        }
        guard result == SOLO5_R_OK else { throw .deviceFailure("solo5_block_read failed (\(result.rawValue))") }
    }

    public func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) {
        try info.validate(sector: sector, byteCount: bytes.count)
        let result = bytes.withUnsafeBytes { raw in
            eachSector(of: raw, from: sector) { offset, at in solo5_block_write(handle, offset, at, info.sectorSize) }
        }
        guard result == SOLO5_R_OK else { throw .deviceFailure("solo5_block_write failed (\(result.rawValue))") }
    }

    /// Calls `transfer` with the byte offset and address of each sector of `buffer` (Solo5 moves
    /// one sector per call on every target); stops at the first failure.
    private func eachSector(of buffer: UnsafeRawBufferPointer, from sector: UInt64,
                            _ transfer: (UInt64, UnsafePointer<UInt8>) -> solo5_result_t) -> solo5_result_t {
        for index in 0..<(buffer.count / info.sectorSize) {
            let at = buffer.baseAddress!.advanced(by: index * info.sectorSize).assumingMemoryBound(to: UInt8.self)
            let result = transfer((sector + UInt64(index)) * UInt64(info.sectorSize), at)
            if result != SOLO5_R_OK { return result }
        }
        return SOLO5_R_OK
    }
}

/// A network interface the tender attached under a manifest name (`--net:NAME=TAP`).
public struct Solo5Network: NetworkInterface {
    let handle: solo5_handle_t
    let loop: RunLoop<Solo5Platform>
    public let macAddress: MACAddress
    public let mtu: Int

    /// The network interface called `name` in the manifest, waiting for frames on `loop`.
    public init(name: String, loop: RunLoop<Solo5Platform>) {
        var handle: solo5_handle_t = 0
        var info = solo5_net_info()
        guard solo5_net_acquire(name, &handle, &info) == SOLO5_R_OK else {
            fatalError("network device '\(name)' is not attached: run the unikernel with --net:\(name)=TAP")
        }
        self.handle = handle
        self.loop = loop
        let mac = info.mac_address
        macAddress = MACAddress(mac.0, mac.1, mac.2, mac.3, mac.4, mac.5)
        mtu = Int(info.mtu)
        Logger(source: "net").info("network device '" + name + "' attached by the tender")
    }

    public func receive(into buffer: inout [UInt8]) async throws(NetError) -> Int {
        while true {
            var length = 0
            let result = buffer.withUnsafeMutableBytes { bytes in
                solo5_net_read(handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count, &length)
            }
            if result == SOLO5_R_OK { return length }
            guard result == SOLO5_R_AGAIN else { throw .deviceFailure("solo5_net_read failed (\(result.rawValue))") }
            await loop.waitUntilReady(IOInterest(handle: Int32(handle), direction: .readable))
        }
    }

    public func transmit(_ frame: [UInt8]) async throws(NetError) {
        let result = frame.withUnsafeBytes { bytes in
            solo5_net_write(handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        guard result == SOLO5_R_OK else { throw .deviceFailure("solo5_net_write failed (\(result.rawValue))") }
    }
}
