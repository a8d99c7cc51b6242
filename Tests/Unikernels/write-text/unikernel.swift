@_silgen_name("write_into_text") func writeIntoText()

/// Writes to its own code: the unikernel must fault, never print the failure line.
struct WriteTextTest {
    func start() async -> Int32 {
        print("writing into text")
        writeIntoText()
        print("FAILURE: text is writable")
        return 1
    }
}
