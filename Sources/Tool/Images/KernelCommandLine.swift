import Foundation
import SwiftletRuntime

/// The unikernel's runtime arguments (`swiftlet mkimage -- --hello=Bonjour`) as each loader
/// takes them, quoted so that every argument reaches the unikernel as one word, unchanged.
struct KernelCommandLine: Equatable {
    let arguments: [String]

    /// Checks arguments a command line cannot carry: empty ones (GRUB drops them), control
    /// characters (a newline would end the line in grub.cfg), and `\x` with two hex digits
    /// (which GRUB passes on unescaped, so the unikernel would read `x41` for `\x41`).
    init(_ arguments: [String]) throws(ToolError) {
        for argument in arguments {
            if argument.hasPrefix(QEMUCommand.optionPrefix) {
                throw .usage("\(argument) chooses how swiftlet run starts QEMU; disk images take no such option",
                             hint: "leave it out; the printed commands show each way to run the image")
            }
            if argument.range(of: #"\\x[0-9A-Fa-f]{2}"#, options: .regularExpression) != nil {
                throw .usage("runtime argument '\(argument)' holds \\x and two hex digits, which GRUB passes on unescaped",
                             hint: "write it another way")
            }
            guard !argument.isEmpty else {
                throw .usage("an empty runtime argument cannot go on a kernel command line", hint: "leave it out, or give KEY= with no value")
            }
            guard argument.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw .usage("runtime argument '\(argument.debugDescription.dropFirst().dropLast())' holds a control character (newline, tab...)",
                             hint: "kernel command lines carry printable characters only")
            }
        }
        self.arguments = arguments
    }

    /// The words after the kernel's path on grub.cfg's `multiboot2` line: GRUB's script syntax
    /// quotes as sh does, so single quotes keep everything but a single quote, written `'\''`.
    var grubWords: String {
        arguments.map { Self.singleQuoted($0) }.joined(separator: " ")
    }

    /// The command line for loaders given it as one string (QEMU's `-append`, Firecracker's
    /// `boot_args`, Cloud Hypervisor's `--cmdline`), quoted as `swiftlet run` quotes it.
    var kernelText: String { joinCommandLine(arguments) }

    /// The command line the unikernel receives from GRUB, which rebuilds it from the words of
    /// the `multiboot2` line (grub-core/lib/cmdline.c): a word holding a space goes in double
    /// quotes, and `\`, `'` and `"` get a backslash (except `\x` and two hex digits, which GRUB
    /// passes as is). The runtime's splitCommandLine reads both forms back as the same words.
    var grubText: String {
        arguments.map { argument in
            let scalars = Array(argument.unicodeScalars)
            var text = ""
            var index = 0
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar == "\\", index + 3 < scalars.count, scalars[index + 1] == "x",
                   Self.isHexDigit(scalars[index + 2]), Self.isHexDigit(scalars[index + 3]) {
                    text.unicodeScalars.append(contentsOf: scalars[index...(index + 3)])
                    index += 4
                    continue
                }
                if scalar == "\\" || scalar == "'" || scalar == "\"" { text += "\\" }
                text.unicodeScalars.append(scalar)
                index += 1
            }
            return argument.contains(" ") ? "\"\(text)\"" : text
        }.joined(separator: " ")
    }

    /// `word` for a POSIX shell: as is when it holds only characters no shell treats specially,
    /// else in single quotes.
    static func shellWord(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
            (scalar.value < 0x80 && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
                || "-_=./:,+@%".unicodeScalars.contains(scalar)
        }
        return plain ? word : singleQuoted(word)
    }

    static func singleQuoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    private static func isHexDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar) || ("a"..."f").contains(scalar) || ("A"..."F").contains(scalar)
    }
}
