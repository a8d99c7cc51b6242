import SwiftletDevices
import SwiftletRuntime

/// What `config.swift` declares, as its `register(...)` call reports it.
struct UnikernelDescription: Codable, Equatable {
    struct DeviceUse: Codable, Equatable {
        var kind: String
        var label: String
        var name: String?
        /// A disk file the configuration owns (`.block("storage", file: "disk.img")`).
        var file: String? = nil
        var fileSize: Int? = nil
    }

    struct KeyDeclaration: Codable, Equatable {
        var name: String
        var type: String
        var defaultText: String
        var doc: String
        var stage: String

        enum CodingKeys: String, CodingKey {
            case name, type, doc, stage
            case defaultText = "default"
        }

        /// The name the application uses: `Keys.ipv4Gateway` for `ipv4-gateway`.
        var swiftName: String { swiftIdentifier(fromKeyName: name) }
        var isRuntime: Bool { stage == "runtime" }
        var keyType: KeyType { KeyType(rawValue: type)! }  // checked by validate()
    }

    var name: String
    var main: String
    var devices: [DeviceUse]
    var keys: [KeyDeclaration]
    var packages: [String]

    /// Names the unikernel's own command line already uses.
    static let reservedKeyNames: Set<String> = ["help", "h", "logs", "l", "target", "t"]

    /// Checks everything the tool relies on, with messages that point into `config.swift`.
    func validate() throws(ToolError) {
        let hint = "fix config.swift (see docs/configuration.md)"
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ToolError("unikernel name '\(name)' must be letters, digits, '-', '_' or '.'", hint: hint)
        }
        guard isSwiftIdentifier(main) else {
            throw ToolError("main: '\(main)' is not a Swift type name", hint: hint)
        }
        var labels = Set<String>()
        for device in devices {
            guard DeviceKind.named(device.kind) != nil else {
                throw ToolError("unknown device kind '\(device.kind)'", hint: hint)
            }
            guard isSwiftIdentifier(device.label) else {
                throw ToolError("device label '\(device.label)' is not a Swift identifier", hint: hint)
            }
            guard labels.insert(device.label).inserted else {
                throw ToolError("two devices are labelled '\(device.label)'", hint: "give one another label: .time.labeled(\"clock\")")
            }
        }
        var keyNames = Set<String>()
        for key in keys {
            guard let first = key.name.unicodeScalars.first, ("a"..."z").contains(first),
                  key.name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" })
            else {
                throw ToolError("key name '\(key.name)' must start with a-z and use only a-z, 0-9, '-' and '_'", hint: hint)
            }
            guard !Self.reservedKeyNames.contains(key.name) else {
                throw ToolError("key name '\(key.name)' is reserved for the command line", hint: hint)
            }
            guard keyNames.insert(key.name).inserted else {
                throw ToolError("key '\(key.name)' is declared twice", hint: hint)
            }
            guard let type = KeyType(rawValue: key.type) else {
                throw ToolError("key '\(key.name)' has unknown type '\(key.type)'", hint: hint)
            }
            guard type.accepts(key.defaultText) else {
                throw ToolError("key '\(key.name)': default '\(key.defaultText)' is not a valid \(type.helpName)", hint: hint)
            }
            guard key.stage == "runtime" || key.stage == "configure" else {
                throw ToolError("key '\(key.name)' has unknown stage '\(key.stage)'", hint: hint)
            }
        }
        for package in packages where ModuleCatalog.module(named: package) == nil {
            throw ToolError("unknown package '\(package)'",
                            hint: "packages name Swiftlet modules: " + ModuleCatalog.all.map(\.name).joined(separator: ", "))
        }
    }
}

/// The types a key can have, tied to the runtime's parsers so the tool and the unikernel
/// accept exactly the same text.
enum KeyType: String {
    case string
    case int
    case bool
    case ipv4Address = "ipv4-address"
    case ipv4Prefix = "ipv4-prefix"

    var swiftType: String {
        switch self {
        case .string: "String"
        case .int: "Int"
        case .bool: "Bool"
        case .ipv4Address: "IPv4Address"
        case .ipv4Prefix: "IPv4Prefix"
        }
    }

    /// The name `--help` shows, from the runtime's own ``KeyValue`` conformances.
    var helpName: String {
        switch self {
        case .string: String.keyTypeName
        case .int: Int.keyTypeName
        case .bool: Bool.keyTypeName
        case .ipv4Address: IPv4Address.keyTypeName
        case .ipv4Prefix: IPv4Prefix.keyTypeName
        }
    }

    func accepts(_ text: String) -> Bool {
        switch self {
        case .string: String(keyText: text) != nil
        case .int: Int(keyText: text) != nil
        case .bool: Bool(keyText: text) != nil
        case .ipv4Address: IPv4Address(keyText: text) != nil
        case .ipv4Prefix: IPv4Prefix(keyText: text) != nil
        }
    }

    /// The value as help and descriptions show it: strings quoted, so spaces and emptiness show.
    func display(_ text: String) -> String {
        self == .string ? "\"\(text)\"" : text
    }

    /// A Swift expression for the value `text` (already validated).
    func literal(_ text: String) -> String {
        switch self {
        case .string: swiftStringLiteral(text)
        case .int: Int(keyText: text)!.description
        case .bool: Bool(keyText: text)!.description
        case .ipv4Address: "IPv4Address(\(swiftStringLiteral(text)))!"
        case .ipv4Prefix: "IPv4Prefix(\(swiftStringLiteral(text)))!"
        }
    }
}

/// `ipv4-gateway` → `ipv4Gateway`.
func swiftIdentifier(fromKeyName name: String) -> String {
    // `ipv4-gateway` → ipv4Gateway, `block:storage` → blockStorage
    let parts = name.split { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_")) }
    return parts.enumerated().map { index, part in
        index == 0 ? String(part) : part.prefix(1).uppercased() + part.dropFirst()
    }.joined()
}

func isSwiftIdentifier(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
    return text.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
}

/// A Swift string literal for any text.
func swiftStringLiteral(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}
