import _Concurrency  // implicit in ordinary Swift, explicit in Embedded Swift
import SwiftletDevices

extension Platform {
    /// Starts a unikernel: parses its runtime arguments into `keys`, sets up logging to the
    /// console, runs `main` on a fresh ``RunLoop`` and exits with the status it returns.
    ///
    /// The glue `main.swift` that `swiftlet configure` generates calls this; applications never do.
    /// Exit statuses: what `main` returns, 2 for a bad command line, 1 when the main task
    /// can never resume (every task waits on nothing).
    /// `configureKeys` names the configure-time keys, which the command line may not give.
    /// `otherChoiceKeys` pairs each key of an implementation not chosen with its choice.
    public func boot(name: String, keys: [RuntimeKey], configureKeys: [String] = [], otherChoiceKeys: [String] = [],
                     main: @escaping (RunLoop<Self>) async -> Int32) -> Never {
        let parser = RuntimeArgumentParser(keys: keys, configureKeys: configureKeys, otherChoiceKeys: otherChoiceKeys)
        let options: RuntimeOptions
        do {
            options = try parser.parse(arguments)
        } catch {
            writeConsole(concatenated([name, ": ", error.message, "\n"]))
            exit(status: 2)
        }
        if options.helpRequested {
            writeConsole(parser.help(unikernel: name))
            exit(status: 0)
        }
        RuntimeArguments.givenKeys = options.givenKeys
        Logging.filter = options.logFilter
        // Lines are gathered and written once per turn of the run loop (see ConsoleBuffer).
        ConsoleBuffer.attach { bytes in self.writeConsole(bytes) }  // the platform lives as long as the process
        Logging.write = { line in self.writeConsoleBuffered(line) }
        Logging.clock = { self.wallClockNow() }

        let loop = RunLoop(platform: self)
        do {
            let status = try loop.run { await main(loop) }
            exit(status: status)
        } catch {
            ConsoleBuffer.flush()
            writeConsole(concatenated([name, ": deadlock: every task is waiting and nothing can wake one; exiting\n"]))
            exit(status: 1)
        }
    }
}
