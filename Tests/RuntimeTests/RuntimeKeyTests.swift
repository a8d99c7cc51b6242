import Testing
import SwiftletDevices
@testable import SwiftletRuntime

@Suite struct KeyValueTests {
    @Test func typeNamesShownInHelp() {
        #expect(String.keyTypeName == "STRING")
        #expect(Int.keyTypeName == "INT")
        #expect(Bool.keyTypeName == "BOOL")
        #expect(IPv4Address.keyTypeName == "IPV4")
        #expect(IPv4Prefix.keyTypeName == "IPV4/PREFIX")
    }

    @Test func onlyBoolIsAFlag() {
        #expect(Bool.isFlag)
        #expect(!String.isFlag)
        #expect(!Int.isFlag)
        #expect(!IPv4Address.isFlag)
        #expect(!IPv4Prefix.isFlag)
    }

    @Test func stringAcceptsAnyTextIncludingEmpty() {
        #expect(String(keyText: "Bonjour") == "Bonjour")
        #expect(String(keyText: "") == "")
        #expect("a=b".keyText == "a=b")
    }

    @Test func intParsesDecimalAndRejectsOtherText() {
        #expect(Int(keyText: "42") == 42)
        #expect(Int(keyText: "-7") == -7)
        #expect(Int(keyText: "abc") == nil)
        #expect(Int(keyText: "") == nil)
        #expect(Int(keyText: "1.5") == nil)
        #expect(42.keyText == "42")
    }

    @Test func boolAcceptsTheUsualSpellings() {
        for text in ["true", "yes", "1", "on"] { #expect(Bool(keyText: text) == true) }
        for text in ["false", "no", "0", "off"] { #expect(Bool(keyText: text) == false) }
        for text in ["TRUE", "y", "", "2"] { #expect(Bool(keyText: text) == nil) }
        #expect(true.keyText == "true")
        #expect(false.keyText == "false")
    }

    @Test func addressesRoundTripThroughKeyText() throws {
        #expect(IPv4Address(keyText: "10.0.0.2") == IPv4Address(10, 0, 0, 2))
        #expect(IPv4Address(keyText: "10.0.0") == nil)
        #expect(IPv4Address(10, 0, 0, 2).keyText == "10.0.0.2")
        let prefix = try #require(IPv4Prefix(keyText: "192.168.1.7/16"))
        #expect(prefix.keyText == "192.168.1.7/16")
        #expect(IPv4Prefix(keyText: "192.168.1.7") == nil)
    }

    @Test func runtimeKeyRecordsTypeDefaultAndFlagness() {
        let hello = RuntimeKey("hello", doc: "How to say hello.", default: "Hello World!") { (_: String) in }
        #expect(hello.name == "hello")
        #expect(hello.doc == "How to say hello.")
        #expect(hello.typeName == "STRING")
        #expect(hello.defaultText == "Hello World!")
        #expect(!hello.isFlag)
        let verbose = RuntimeKey("verbose", doc: "", default: false) { (_: Bool) in }
        #expect(verbose.typeName == "BOOL")
        #expect(verbose.defaultText == "false")
        #expect(verbose.isFlag)
        let network = RuntimeKey("net", doc: "", default: IPv4Prefix("10.0.0.2/24")!) { (_: IPv4Prefix) in }
        #expect(network.defaultText == "10.0.0.2/24")
    }
}

@Suite struct RuntimeArgumentParserTests {
    /// The values the keys were given, as `store` received them.
    final class Stored {
        var hello: [String] = []
        var verbose: [Bool] = []
        var count: [Int] = []
        var ipv4: [IPv4Address] = []
        var prefix: [IPv4Prefix] = []
    }

    let stored = Stored()

    var parser: RuntimeArgumentParser {
        let stored = self.stored
        return RuntimeArgumentParser(keys: [
            RuntimeKey("hello", doc: "How to say hello.", default: "Hello World!") { stored.hello.append($0) },
            RuntimeKey("verbose", doc: "Print more.", default: false) { stored.verbose.append($0) },
            RuntimeKey("count", doc: "How many times.", default: 3) { stored.count.append($0) },
            RuntimeKey("ipv4", doc: "The address.", default: IPv4Address(10, 0, 0, 2)) { stored.ipv4.append($0) },
            RuntimeKey("ipv4-prefix", doc: "The network.", default: IPv4Prefix("10.0.0.2/24")!) {
                stored.prefix.append($0)
            },
        ])
    }

    /// The message of the error `arguments` throw, or `nil` if they parse.
    func errorMessage(_ arguments: [String]) -> String? {
        do {
            _ = try parser.parse(arguments)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func noArgumentsGiveDefaultOptionsAndStoreNothing() throws {
        let options = try parser.parse([])
        #expect(options == RuntimeOptions())
        #expect(options.logFilter == LogFilter())
        #expect(!options.helpRequested)
        #expect(stored.hello.isEmpty && stored.verbose.isEmpty && stored.count.isEmpty)
    }

    @Test func keyEqualsValueStoresTheValue() throws {
        let options = try parser.parse(["--hello=Bonjour"])
        #expect(stored.hello == ["Bonjour"])
        #expect(options.logFilter == LogFilter() && !options.helpRequested)
        #expect(options.givenKeys == ["hello"])
    }

    @Test func keySpaceValueStoresTheValue() throws {
        _ = try parser.parse(["--hello", "Bonjour"])
        #expect(stored.hello == ["Bonjour"])
    }

    @Test func valuesOfEveryTypeAreParsed() throws {
        _ = try parser.parse(["--count=12", "--ipv4", "192.168.0.1", "--ipv4-prefix=172.16.0.5/12", "--count", "-4"])
        #expect(stored.count == [12, -4])
        #expect(stored.ipv4 == [IPv4Address(192, 168, 0, 1)])
        #expect(stored.prefix == [IPv4Prefix("172.16.0.5/12")!])
    }

    @Test func equalsInsideAValueIsKept() throws {
        _ = try parser.parse(["--hello=a=b"])
        #expect(stored.hello == ["a=b"])
    }

    @Test func emptyStringValueIsAllowed() throws {
        _ = try parser.parse(["--hello="])
        #expect(stored.hello == [""])
    }

    @Test func aValueMayStartWithDashes() throws {
        _ = try parser.parse(["--hello", "--verbose"])
        #expect(stored.hello == ["--verbose"])
        #expect(stored.verbose.isEmpty)
    }

    @Test func boolFlagAloneMeansTrue() throws {
        _ = try parser.parse(["--verbose"])
        #expect(stored.verbose == [true])
    }

    @Test func boolFlagAloneDoesNotTakeTheNextArgument() throws {
        _ = try parser.parse(["--verbose", "--hello=x"])
        #expect(stored.verbose == [true])
        #expect(stored.hello == ["x"])
    }

    @Test func boolFlagWithExplicitValue() throws {
        _ = try parser.parse(["--verbose=false", "--verbose=yes", "--verbose=0"])
        #expect(stored.verbose == [false, true, false])
    }

    /// MirageOS's spelling, `--dhcp true`: a boolean word after a flag is its value; any other
    /// word is not.
    @Test func flagsTakeABooleanWordAfterThem() throws {
        let options = try parser.parse(["--verbose", "false", "--verbose", "true", "--verbose", "--hello", "x"])
        #expect(stored.verbose == [false, true, true])
        #expect(stored.hello == ["x"])
        #expect(options.givenKeys == ["verbose", "verbose", "verbose", "hello"])
        #expect(errorMessage(["--verbose", "maybe"]) == "unexpected argument 'maybe': keys are given as --KEY=VALUE; --help lists them")
    }

    @Test func keysOfAnotherChoiceSayWhichConfigurationTakesThem() {
        let parser = RuntimeArgumentParser(keys: [], configureKeys: ["net"], otherChoiceKeys: ["dhcp", "--net=direct", "ipv4", "--net=direct"])
        var message: String?
        do { _ = try parser.parse(["--ipv4=10.0.0.10/24"]) } catch { message = error.message }
        #expect(message == "--ipv4 needs --net=direct, and this unikernel was configured without it: swiftlet configure --net=direct, then swiftlet build")
    }

    @Test func configureTimeKeysSayWhereTheyBelong() {
        let parser = RuntimeArgumentParser(keys: [], configureKeys: ["kv_ro"])
        var message: String?
        do { _ = try parser.parse(["--kv_ro=direct"]) } catch { message = error.message }
        #expect(message == "--kv_ro is a configure-time key: it belongs to swiftlet configure (swiftlet configure --kv_ro=VALUE, then swiftlet build); --help lists the runtime keys")
    }

    @Test func boolRejectsOtherWords() {
        #expect(errorMessage(["--verbose=maybe"]) == "--verbose expects BOOL, not 'maybe'")
        #expect(stored.verbose.isEmpty)
    }

    @Test func intKeyRejectsNonNumbers() {
        let message = errorMessage(["--count=abc"])
        #expect(message == "--count expects INT, not 'abc'")
        #expect(message?.contains("INT") == true)
        #expect(stored.count.isEmpty)
    }

    @Test func addressKeysRejectMalformedAddresses() {
        #expect(errorMessage(["--ipv4=10.0.0"]) == "--ipv4 expects IPV4, not '10.0.0'")
        #expect(errorMessage(["--ipv4-prefix", "10.0.0.2"]) == "--ipv4-prefix expects IPV4/PREFIX, not '10.0.0.2'")
    }

    @Test func unknownKeyIsNamed() {
        let message = errorMessage(["--colour=red"])
        #expect(message == "unknown key --colour; --help lists the keys")
    }

    @Test func unknownKeyWithTypoIsNamed() throws {
        let message = try #require(errorMessage(["--helo=Bonjour"]))
        #expect(message == "unknown key --helo (did you mean --hello?); --help lists the keys")
        #expect(stored.hello.isEmpty)
    }

    @Test func unknownKeyIsReportedEvenWithoutAValue() {
        #expect(errorMessage(["--helo"]) == "unknown key --helo (did you mean --hello?); --help lists the keys")
    }

    @Test func emptyOrDistantNamesGetNoSuggestion() {
        #expect(errorMessage(["--=x"]) == "unknown key --; --help lists the keys")
        #expect(errorMessage(["--zzzzzz=1"]) == "unknown key --zzzzzz; --help lists the keys")
    }

    @Test func closestKeyNameAllowsAtMostTwoEdits() {
        #expect(closestKeyName(to: "ipv4-gatway", among: ["ipv4", "ipv4-gateway"]) == "ipv4-gateway")
        #expect(closestKeyName(to: "hlelo", among: ["hello"]) == "hello")
        #expect(closestKeyName(to: "port", among: ["hello"]) == nil)
    }

    @Test func unknownKeySuggestsAKeyItPrefixes() {
        #expect(errorMessage(["--hel=x"]) == "unknown key --hel (did you mean --hello?); --help lists the keys")
        #expect(errorMessage(["--verb", "x"]) == "unknown key --verb (did you mean --verbose?); --help lists the keys")
    }

    @Test func unknownKeySuggestsADifferentlyCasedKey() {
        #expect(errorMessage(["--HELLO=x"]) == "unknown key --HELLO (did you mean --hello?); --help lists the keys")
    }

    @Test func missingValueAtTheEndIsAnError() {
        #expect(errorMessage(["--hello"]) == "--hello needs a value: --hello=VALUE")
        #expect(errorMessage(["--verbose", "--count"]) == "--count needs a value: --count=VALUE")
        #expect(stored.hello.isEmpty)
    }

    @Test func logFilterFromShortOptionWithSeparateValue() throws {
        let options = try parser.parse(["-l", "*:debug"])
        #expect(options.logFilter == LogFilter(defaultThreshold: .debug))
    }

    @Test func logFilterFromShortOptionWithAttachedValue() throws {
        let options = try parser.parse(["-l*:debug"])
        #expect(options.logFilter == LogFilter(defaultThreshold: .debug))
    }

    @Test func logFilterFromLongOption() throws {
        let expected = LogFilter(defaultThreshold: .info, thresholds: ["net": .debug])
        #expect(try parser.parse(["--logs=net:debug"]).logFilter == expected)
        #expect(try parser.parse(["--logs", "net:debug"]).logFilter == expected)
        #expect(try parser.parse(["-l", "*:info,net:debug"]).logFilter == expected)
    }

    @Test func lastLogFilterWins() throws {
        let options = try parser.parse(["-l", "debug", "--logs=quiet"])
        #expect(options.logFilter == LogFilter(defaultThreshold: nil))
    }

    @Test func badLogFilterIsAnError() {
        #expect(errorMessage(["-l", "*:loud"]) ==
                "bad -l value '*:loud': unknown level 'loud' (use quiet, app, error, warning, info or debug)")
        #expect(errorMessage(["--logs=a:b:c"]) == "bad -l value 'a:b:c': 'a:b:c' is not SOURCE:LEVEL")
        #expect(errorMessage(["-l:debug"]) == "bad -l value ':debug': ':debug' has no source (use * for all)")
    }

    @Test func logOptionWithoutValueIsAnError() {
        #expect(errorMessage(["-l"]) == "-l needs a value: -l=VALUE")
        #expect(errorMessage(["--logs"]) == "--logs needs a value: --logs=VALUE")
    }

    @Test func helpIsRequestedByLongAndShortOption() throws {
        #expect(try parser.parse(["--help"]).helpRequested)
        #expect(try parser.parse(["-h"]).helpRequested)
        let options = try parser.parse(["--hello=x", "-h", "-l", "debug"])
        #expect(options.helpRequested)
        #expect(options.logFilter == LogFilter(defaultThreshold: .debug))
        #expect(stored.hello == ["x"])
    }

    @Test func positionalArgumentsAreErrors() {
        #expect(errorMessage(["Bonjour"]) ==
                "unexpected argument 'Bonjour': keys are given as --KEY=VALUE; --help lists them")
        #expect(errorMessage(["--verbose", "no-such-word"]) ==
                "unexpected argument 'no-such-word': keys are given as --KEY=VALUE; --help lists them")
        #expect(errorMessage(["--"]) ==
                "unexpected argument '--': keys are given as --KEY=VALUE; --help lists them")
        #expect(errorMessage(["-x"]) ==
                "unexpected argument '-x': keys are given as --KEY=VALUE; --help lists them")
    }

    @Test func keysAreStoredInTheOrderGivenUntilAnError() {
        #expect(errorMessage(["--hello=one", "--count=1", "--count=oops", "--hello=two"]) ==
                "--count expects INT, not 'oops'")
        #expect(stored.hello == ["one"])
        #expect(stored.count == [1])
    }

    @Test func helpTextListsEveryKeyWithDocAndDefault() {
        let help = parser.help(unikernel: "hello")
        let expected = """
            usage: hello [--KEY=VALUE ...] [-l SOURCE:LEVEL,...]

            Runtime keys and options:
              --hello=STRING               How to say hello. (default: "Hello World!")
              --verbose=BOOL               Print more. (default: false)
              --count=INT                  How many times. (default: 3)
              --ipv4=IPV4                  The address. (default: 10.0.0.2)
              --ipv4-prefix=IPV4/PREFIX    The network. (default: 10.0.0.2/24)
              -l, --logs=SOURCE:LEVEL,...  Log thresholds, e.g. "*:debug" or "*:info,net:debug"; \
            levels: quiet, app, error, warning, info, debug (default: "*:info")
              -h, --help                   Show this help and exit.

            """
        #expect(help == expected)
    }

    @Test func helpTextWithoutKeysSaysSo() {
        let help = RuntimeArgumentParser(keys: []).help(unikernel: "bare")
        let expected = """
            usage: bare [--KEY=VALUE ...] [-l SOURCE:LEVEL,...]

            This unikernel has no runtime keys.

            Options:
              -l, --logs=SOURCE:LEVEL,...  Log thresholds, e.g. "*:debug" or "*:info,net:debug"; \
            levels: quiet, app, error, warning, info, debug (default: "*:info")
              -h, --help                   Show this help and exit.

            """
        #expect(help == expected)
    }

    @Test func helpAlignsDescriptionsPastTheLongestKey() {
        let parser = RuntimeArgumentParser(keys: [
            RuntimeKey("a-very-long-key-name-indeed", doc: "Long.", default: 1) { (_: Int) in },
        ])
        let lines = parser.help(unikernel: "u").split(separator: "\n")
        #expect(lines.contains("  --a-very-long-key-name-indeed=INT  Long. (default: 1)"))
        #expect(lines.contains("  -h, --help                         Show this help and exit."))
    }
}
