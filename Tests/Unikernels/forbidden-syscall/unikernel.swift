@_silgen_name("forbidden_getpid") func forbiddenGetpid() -> Int

/// Makes a system call outside the sandbox's list: on spt the process must be killed.
struct ForbiddenSyscallTest {
    func start() async -> Int32 {
        print("calling getpid")
        let pid = forbiddenGetpid()
        print("FAILURE: getpid returned \(pid)")
        return 1
    }
}
