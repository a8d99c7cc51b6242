/// A text console (MirageOS's `Mirage_console.S`, Solo5's `solo5_console_write`).
///
/// Consoles are write-only: a unikernel has no terminal to read from.
public protocol ConsoleDevice {
    /// Writes `text` as UTF-8, as is: add a newline yourself, or call ``writeLine(_:)``.
    func write(_ text: String)
}

extension ConsoleDevice {
    /// Writes `text` followed by a newline.
    public func writeLine(_ text: String) {
        write(text + "\n")
    }
}
