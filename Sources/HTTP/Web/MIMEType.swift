/// Content types by file extension, for files served from a key-value store.
public enum MIMEType {
    /// The Content-Type of a file named `name`, from its extension (ASCII case ignored);
    /// `application/octet-stream` for extensions it does not know.
    public static func forFileName(_ name: String) -> String {
        let bytes = Array(name.utf8)
        guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot + 1 < bytes.count else { return fallback }
        let ext = String(decoding: bytes[(dot + 1)...].map(ASCII.lower), as: UTF8.self)
        for (known, type) in types where known == ext { return type }
        return fallback
    }

    /// What unknown extensions are served as.
    public static let fallback = "application/octet-stream"

    private static let types: [(String, String)] = [
        ("html", "text/html; charset=utf-8"), ("htm", "text/html; charset=utf-8"),
        ("css", "text/css; charset=utf-8"), ("js", "text/javascript; charset=utf-8"),
        ("mjs", "text/javascript; charset=utf-8"), ("json", "application/json"),
        ("txt", "text/plain; charset=utf-8"), ("md", "text/markdown; charset=utf-8"),
        ("xml", "application/xml"), ("rss", "application/rss+xml"), ("atom", "application/atom+xml"),
        ("csv", "text/csv; charset=utf-8"),
        ("png", "image/png"), ("jpg", "image/jpeg"), ("jpeg", "image/jpeg"), ("gif", "image/gif"),
        ("svg", "image/svg+xml"), ("ico", "image/x-icon"), ("webp", "image/webp"), ("avif", "image/avif"),
        ("woff", "font/woff"), ("woff2", "font/woff2"), ("ttf", "font/ttf"), ("otf", "font/otf"),
        ("pdf", "application/pdf"), ("zip", "application/zip"), ("gz", "application/gzip"),
        ("tar", "application/x-tar"), ("wasm", "application/wasm"),
        ("mp4", "video/mp4"), ("webm", "video/webm"), ("mp3", "audio/mpeg"), ("ogg", "audio/ogg"),
        ("wav", "audio/wav"),
    ]
}
