#if canImport(Glibc)
import Glibc
#endif

/// Declares the unikernel: call it once, at the end of `config.swift`.
///
/// ```swift
/// import SwiftletConfig
///
/// let hello = Key.string("hello", default: "Hello World!", doc: "How to say hello.")
///
/// register("hello-key", main: "HelloKey", devices: [.time], keys: [hello])
/// ```
/// - Parameters:
///   - name: The unikernel's name: the built image is `dist/NAME` (`.spt`, `.hvt`, …).
///   - main: The type in the unikernel's sources whose `start()` is the entry point. It is
///     initialized with one argument per device, labelled with the device's label.
///   - devices: The devices `main` needs, in the order of its initializer's parameters.
///   - keys: The configuration keys the application reads as `Keys.NAME`.
///   - packages: Further Swiftlet library modules the application imports.
public func register(_ name: String, main: String, devices: [Device] = [], keys: [Key] = [], packages: [String] = []) {
    var json = "{"
    json += "\"name\":\(quote(name)),\"main\":\(quote(main)),"
    json += "\"devices\":[" + devices.map { device in
        "{\"kind\":\(quote(device.kind)),\"label\":\(quote(device.label))"
            + (device.name.map { ",\"name\":\(quote($0))" } ?? "")
            + (device.file.map { ",\"file\":\(quote($0)),\"fileSize\":\(device.fileSize)" } ?? "") + "}"
    }.joined(separator: ",") + "],"
    json += "\"keys\":[" + keys.map { key in
        "{\"name\":\(quote(key.name)),\"type\":\(quote(key.type)),\"default\":\(quote(key.defaultText)),"
            + "\"doc\":\(quote(key.doc)),\"stage\":\(quote(key.stage.rawValue))}"
    }.joined(separator: ",") + "],"
    json += "\"packages\":[" + packages.map(quote).joined(separator: ",") + "]"
    json += "}\n"
    emit(json)
}

/// Writes the description where `swiftlet` asked for it (or to standard output).
private func emit(_ text: String) {
    guard let path = getenv("SWIFTLET_CONFIG_OUTPUT") else {
        print(text, terminator: "")
        return
    }
    guard let file = fopen(path, "a") else {
        fputs("config.swift: cannot write \(String(cString: path))\n", stderr)
        exit(1)
    }
    fputs(text, file)
    fclose(file)
}

/// A JSON string literal.
private func quote(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}
