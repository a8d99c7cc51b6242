import SwiftletConfig

register("forbidden-syscall", main: "ForbiddenSyscallTest")
