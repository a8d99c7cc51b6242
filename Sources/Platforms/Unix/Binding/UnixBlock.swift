#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SwiftletDevices
import SwiftletRuntime

/// A file used as a disk: the unix target's block device (`--block:NAME=FILE`, as with the
/// Solo5 tenders). Sectors are 512 bytes; a file that cannot be opened for writing is attached
/// read-only.
///
/// Reads and writes are `pread`/`pwrite` on the file, which never wait for long on a local file,
/// so they run without yielding to the executor.
public final class UnixBlock: BlockDevice {
    /// The file's path.
    public let path: String
    public let info: BlockInfo
    private let descriptor: Int32

    /// Opens `path` (read-write if allowed, else read-only). Its size must be a whole number of sectors.
    public init(path: String, sectorSize: Int = 512) throws(BlockError) {
        var descriptor = open(path, O_RDWR | O_CLOEXEC)
        var isWritable = true
        if descriptor < 0 && (errno == EACCES || errno == EROFS || errno == EPERM) {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            isWritable = false
        }
        guard descriptor >= 0 else { throw .deviceFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG || (status.st_mode & S_IFMT) == S_IFBLK else {
            close(descriptor)
            throw .deviceFailure("\(path) is not a regular file or a block device")
        }
        var size = UInt64(max(0, status.st_size))
        if (status.st_mode & S_IFMT) == S_IFBLK {
            let end = lseek(descriptor, 0, SEEK_END)
            size = UInt64(max(0, end))
        }
        guard size >= UInt64(sectorSize), size % UInt64(sectorSize) == 0 else {
            close(descriptor)
            throw .deviceFailure("\(path) is \(size) bytes, not a whole number of \(sectorSize)-byte sectors"
                                 + " (make one with: truncate -s 64M \(path))")
        }
        self.path = path
        self.descriptor = descriptor
        info = BlockInfo(sectorSize: sectorSize, sectorCount: size / UInt64(sectorSize), isWritable: isWritable)
    }

    deinit { close(descriptor) }

    /// The block device `name` on file `path`, or the unikernel exits with a message saying
    /// how to attach one.
    public static func attach(name: String, path: String, loop: RunLoop<UnixPlatform>) -> UnixBlock {
        guard !path.isEmpty else {
            Logger(source: "block").error("block device '\(name)' is not attached: run the unikernel with --block:\(name)=FILE")
            loop.platform.exit(status: 1)
        }
        do {
            return try UnixBlock(path: path)
        } catch {
            Logger(source: "block").error("cannot attach block device '\(name)': \(error)")
            loop.platform.exit(status: 1)
        }
    }

    public func read(at sector: UInt64, into buffer: inout [UInt8]) async throws(BlockError) {
        try info.validate(sector: sector, byteCount: buffer.count)
        let offset = off_t(sector * UInt64(info.sectorSize))
        let descriptor = descriptor
        let done = buffer.withUnsafeMutableBytes { bytes in
            Self.transfer(bytes.count) { done in pread(descriptor, bytes.baseAddress! + done, bytes.count - done, offset + off_t(done)) }
        }
        if let problem = done { throw .deviceFailure("reading \(path): \(problem)") }
    }

    public func write(at sector: UInt64, _ bytes: [UInt8]) async throws(BlockError) {
        guard info.isWritable else { throw .readOnly }
        try info.validate(sector: sector, byteCount: bytes.count)
        let offset = off_t(sector * UInt64(info.sectorSize))
        let descriptor = descriptor
        let done = bytes.withUnsafeBytes { raw in
            Self.transfer(raw.count) { done in pwrite(descriptor, raw.baseAddress! + done, raw.count - done, offset + off_t(done)) }
        }
        if let problem = done { throw .deviceFailure("writing \(path): \(problem)") }
    }

    /// Repeats `step` (given the bytes done so far) until `count` bytes moved; the problem, if any.
    private static func transfer(_ count: Int, _ step: (Int) -> Int) -> String? {
        var done = 0
        while done < count {
            let moved = step(done)
            if moved < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            if moved == 0 { return "the file ended early" }
            done += moved
        }
        return nil
    }
}
