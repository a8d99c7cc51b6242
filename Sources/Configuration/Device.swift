/// A device the application needs. The tool picks its implementation for the target.
///
/// The application receives each device through its initializer, under the device's label:
/// ```swift
/// register("hello", main: "Hello", devices: [.time])
/// // calls  Hello(time: <the target's TimeDevice>)
/// ```
public struct Device: Sendable {
    /// The kind of device: `time`, `console`, `block`, …
    public let kind: String
    /// The argument label the application's initializer takes it under.
    public let label: String
    /// The name of the device as the platform knows it (Solo5's manifest name), if it has one.
    public let name: String?
    /// A disk file the configuration owns (block devices): `swiftlet configure` makes it,
    /// `swiftlet run` attaches it, `swiftlet clean` removes it. Relative to the unikernel's folder.
    public let file: String?
    /// The size in bytes `file` is made with.
    public let fileSize: Int

    /// A device of `kind` passed under `label`.
    public init(kind: String, label: String, name: String? = nil, file: String? = nil, fileSize: Int = 0) {
        self.kind = kind
        self.label = label
        self.name = name
        self.file = file
        self.fileSize = fileSize
    }

    /// The same device passed under another label.
    public func labeled(_ label: String) -> Device {
        Device(kind: kind, label: label, name: name, file: file, fileSize: fileSize)
    }

    /// Sleeping (`TimeDevice`).
    public static let time = Device(kind: "time", label: "time")
    /// The monotonic clock (`MonotonicClock`).
    public static let monotonicClock = Device(kind: "monotonic-clock", label: "monotonicClock")
    /// The wall clock (`WallClock`).
    public static let wallClock = Device(kind: "wall-clock", label: "wallClock")
    /// The console (`ConsoleDevice`).
    public static let console = Device(kind: "console", label: "console")
    /// Random bytes (`RandomDevice`).
    public static let random = Device(kind: "random", label: "random")

    /// A block device (`BlockDevice`) attached under `name`.
    ///
    /// With `file`, the configuration owns the disk, as MirageOS's block example does:
    /// `swiftlet configure` makes an empty `file` of `size` bytes when there is none, the unix
    /// image reads it by default and `swiftlet run` attaches it on every target, and
    /// `swiftlet clean` removes it.
    public static func block(_ name: String = "storage", label: String = "block", file: String? = nil,
                             size: Int = 16 << 20) -> Device {
        Device(kind: "block", label: label, name: name, file: file, fileSize: file == nil ? 0 : size)
    }

    /// A read-only key-value store (`KeyValueStoreReadOnly`) with the contents of `directory`
    /// (relative to the unikernel's folder); the store kind is chosen with `--kv_ro`.
    public static func keyValueReadOnly(_ directory: String, label: String = "kv") -> Device {
        Device(kind: "kv-ro", label: label, name: directory)
    }

    /// A writable key-value store (`KeyValueStore`) kept on the block device attached under
    /// `name`; a blank device is formatted on first use.
    public static func keyValue(_ name: String = "store", label: String = "store") -> Device {
        Device(kind: "kv-rw", label: label, name: name)
    }

    /// An Ethernet interface (`NetworkInterface`) attached under `name`.
    public static func network(_ name: String = "service", label: String = "network") -> Device {
        Device(kind: "network", label: label, name: name)
    }

    /// A TCP/IP stack (`NetworkStack`): host sockets or Swiftlet's own, chosen with `--net`.
    public static func stack(_ name: String = "service", label: String = "stack") -> Device {
        Device(kind: "stack", label: label, name: name)
    }

    /// An HTTP/1.1 server (`HTTPServing`, from SwiftletHTTP) on the TCP/IP stack chosen with
    /// `--net`, as `.stack()` is; declared beside `.stack()` under the same name, the two share
    /// one stack. The application imports SwiftletHTTP (`packages: ["SwiftletHTTP"]`).
    public static func http(_ name: String = "service", label: String = "http") -> Device {
        Device(kind: "http", label: label, name: name)
    }

    /// An HTTP/1.1 server over TLS 1.3 (`HTTPServer` over `TLSStack` of SwiftletTLS) on the
    /// stack `name`, shared with `.http()` and `.stack()` of the same name. The application
    /// gives it its certificate (`TLSDefaults.server`) before `serve`.
    public static func https(_ name: String = "service", label: String = "https") -> Device {
        Device(kind: "https", label: label, name: name)
    }

    /// A DNS stub resolver (`DNSResolving`, from SwiftletDNS) on the TCP/IP stack chosen with
    /// `--net`, sharing the stack declared under the same name; it asks `--dns-server`, or the
    /// servers DHCP gave. The application imports SwiftletDNS (`packages: ["SwiftletDNS"]`).
    public static func dns(_ name: String = "service", label: String = "dns") -> Device {
        Device(kind: "dns", label: label, name: name)
    }
}
