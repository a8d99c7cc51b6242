@_silgen_name("smash_the_stack") func smashTheStack(_ length: Int)

/// Overflows a stack buffer in C: the unikernel must abort, never print the failure line.
struct StackProtectorTest {
    func start() async -> Int32 {
        print("smashing the stack")
        smashTheStack(64)
        print("FAILURE: the stack protector did not fire")
        return 1
    }
}
