/// Console output gathered during one turn of the run loop and written with one call.
///
/// A console write is a system call on unix and spt and a VM exit on hvt; a server that logs
/// every request would otherwise pay one per line. Once ``attach(_:)`` is called (``Platform/boot(name:keys:main:)``
/// does), log lines and ``PlatformConsole`` writes are appended here, and the bytes go out:
/// - when the run loop is about to wait in the platform's `yield` (every turn),
/// - when the buffer is full,
/// - when the unikernel exits (``Platform/exit(status:)`` implementations call ``flush()``),
/// - and on a crash: the C shims call `swiftlet_console_flush` before printing a panic or trap
///   message (Solo5 targets) or from their fault-signal handlers (unix), so no line is lost.
///
/// The storage is one fixed block of raw memory, so flushing from a fault handler touches no
/// Swift object that might be half-updated.
public enum ConsoleBuffer {
    /// How many bytes are gathered before they are written regardless of the turn.
    public static let capacity = 16 * 1024

    nonisolated(unsafe) private static var storage: UnsafeMutablePointer<UInt8>? = nil
    nonisolated(unsafe) private static var count = 0
    nonisolated(unsafe) private static var sink: ((UnsafeRawBufferPointer) -> Void)? = nil

    /// Starts gathering output; it goes to `sink` (the platform's console) when flushed.
    public static func attach(_ sink: @escaping (UnsafeRawBufferPointer) -> Void) {
        flush()
        if storage == nil { storage = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity) }
        self.sink = sink
    }

    /// Stops gathering: what is pending is written, and later writes go straight to their sink.
    public static func detach() {
        flush()
        sink = nil
    }

    /// Whether output is being gathered.
    public static var isAttached: Bool { sink != nil }

    /// Bytes gathered and not yet written.
    public static var pendingCount: Int { count }

    /// Appends `text`; returns `false` (and keeps nothing) when no sink is attached.
    @discardableResult
    public static func write(_ text: String) -> Bool {
        guard sink != nil else { return false }
        // As in Platform.writeConsole: native strings are contiguous; the copy is for bridged ones.
        let appended: Void? = text.utf8.withContiguousStorageIfAvailable { append(UnsafeRawBufferPointer($0)) }
        if appended == nil { Array(text.utf8).withUnsafeBytes { append($0) } }
        return true
    }

    /// Appends `bytes`, writing out first when they would not fit; a write larger than the
    /// buffer goes out on its own, after what was pending.
    static func append(_ bytes: UnsafeRawBufferPointer) {
        guard let storage, let sink else { return }
        if count + bytes.count > capacity { flush() }
        if bytes.count > capacity {
            sink(bytes)
            return
        }
        guard let base = bytes.baseAddress else { return }
        (storage + count).update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count += bytes.count
    }

    /// Writes out what is pending, in one call to the sink.
    public static func flush() {
        guard count > 0, let storage, let sink else { return }
        let pending = count
        count = 0  // first, so a fault inside the sink cannot write the same bytes twice
        sink(UnsafeRawBufferPointer(start: storage, count: pending))
    }
}

/// The C shims' way to flush before a panic, trap or abort message (declared weak there).
@_cdecl("swiftlet_console_flush")
public func swiftletConsoleFlush() {
    ConsoleBuffer.flush()
}

extension Platform {
    /// Writes `text` to the console through ``ConsoleBuffer`` when it is attached, directly otherwise.
    public func writeConsoleBuffered(_ text: String) {
        if !ConsoleBuffer.write(text) { writeConsole(text) }
    }
}
