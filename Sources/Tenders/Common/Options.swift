import SwiftletRuntime

/// A Solo5-style tender command line:
/// `TENDER [--mem=MB] [--net:NAME=TAP] [--net-mac:NAME=MAC] [--block:NAME=PATH]
///  [--block-sector-size:NAME=N] [--] UNIKERNEL [--] [ARGUMENTS...]`.
public struct TenderOptions: Equatable {
    public var memoryMegabytes = 512
    public var networks: [String: String] = [:]
    public var macAddresses: [String: [UInt8]] = [:]
    public var blocks: [String: String] = [:]
    public var blockSizes: [String: UInt16] = [:]
    public var image = ""
    public var arguments: [String] = []
    public var helpRequested = false

    public init() {}

    /// The usage text; `tender` is the program name.
    public static func usage(_ tender: String) -> String {
        """
        usage: \(tender) [OPTIONS] UNIKERNEL [--] [ARGUMENTS...]

        Runs a Solo5 unikernel (Swiftlet's, or any built for Solo5 v0.12's \(tender.hasSuffix("spt") ? "spt" : "hvt") target).
          --mem=MB                     guest memory in MiB (default 512)
          --net:NAME=TAP               attach the tap interface TAP as network device NAME
          --net-mac:NAME=HWADDR        its MAC address (default: a random local one)
          --block:NAME=PATH            attach the file PATH as block device NAME
          --block-sector-size:NAME=N   its sector size (default 512)
          -h, --help                   show this help
        ARGUMENTS go to the unikernel, e.g. --hello=Bonjour -l "*:debug".

        """
    }

    public static func parse(_ arguments: [String]) throws(TenderError) -> TenderOptions {
        var options = TenderOptions()
        var rest = arguments[...]
        func split(_ argument: String, after prefix: String) throws(TenderError) -> (String, String) {
            let body = argument.dropFirst(prefix.count)
            guard let equals = body.firstIndex(of: "="), equals != body.startIndex else {
                throw TenderError("\(argument): expected \(prefix)NAME=VALUE")
            }
            return (String(body[..<equals]), String(body[body.index(after: equals)...]))
        }
        while let argument = rest.first, argument.hasPrefix("-") {
            rest.removeFirst()
            if argument == "--" { break }
            if argument == "-h" || argument == "--help" {
                options.helpRequested = true
            } else if argument.hasPrefix("--mem=") {
                guard let value = Int(String(argument.dropFirst(6))), (2...65536).contains(value) else {
                    throw TenderError("\(argument): memory is a number of MiB from 2 to 65536")
                }
                options.memoryMegabytes = value
            } else if argument.hasPrefix("--net-mac:") {
                let (name, text) = try split(argument, after: "--net-mac:")
                let parts = text.split(separator: ":").compactMap { UInt8(String($0), radix: 16) }
                guard parts.count == 6, text.split(separator: ":").count == 6 else {
                    throw TenderError("\(argument): a MAC address is six hex bytes, 02:00:00:00:00:01")
                }
                options.macAddresses[name] = parts
            } else if argument.hasPrefix("--net:") {
                let (name, tap) = try split(argument, after: "--net:")
                options.networks[name] = tap
            } else if argument.hasPrefix("--block-sector-size:") {
                let (name, text) = try split(argument, after: "--block-sector-size:")
                guard let size = UInt16(text), size >= 512, size & (size - 1) == 0 else {
                    throw TenderError("\(argument): the sector size is a power of two from 512 to 32768")
                }
                options.blockSizes[name] = size
            } else if argument.hasPrefix("--block:") {
                let (name, path) = try split(argument, after: "--block:")
                options.blocks[name] = path
            } else {
                throw TenderError("unknown option \(argument); --help lists the options")
            }
        }
        if options.helpRequested { return options }
        guard let image = rest.popFirst() else { throw TenderError("no unikernel given; --help shows the usage") }
        options.image = image
        if rest.first == "--" { rest.removeFirst() }
        options.arguments = Array(rest)
        return options
    }

    /// The unikernel's command line, as one string: arguments joined by spaces, quoted only when
    /// they hold spaces or quotes (so plain arguments read the same to any Solo5 guest).
    public var commandLine: String { joinCommandLine(arguments) }
}
