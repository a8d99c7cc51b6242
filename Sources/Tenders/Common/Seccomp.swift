import CSwiftletTender

/// A seccomp-BPF filter that allows a list of system calls, each optionally only with one value
/// of its first argument, and kills the whole process on anything else.
public struct SeccompFilter {
    /// One allowed system call.
    public struct Rule: Equatable {
        public var number: UInt32
        /// When set, the call is allowed only with this first argument.
        public var firstArgument: UInt64?
        public init(_ number: UInt32, firstArgument: UInt64? = nil) {
            self.number = number
            self.firstArgument = firstArgument
        }
    }

    public var rules: [Rule]
    public init(rules: [Rule]) { self.rules = rules }

    // Kernel constants (linux/filter.h, linux/seccomp.h, linux/audit.h).
    static let load: UInt16 = 0x20      // BPF_LD | BPF_W | BPF_ABS
    static let jumpEqual: UInt16 = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
    static let ret: UInt16 = 0x06       // BPF_RET | BPF_K
    static let allow: UInt32 = 0x7fff_0000
    static let killProcess: UInt32 = 0x8000_0000
    static let auditArchX86_64: UInt32 = 0xc000_003e

    /// The BPF program.
    public var program: [swiftlet_bpf_instruction] {
        func instruction(_ code: UInt16, _ k: UInt32, _ jumpTrue: UInt8 = 0, _ jumpFalse: UInt8 = 0) -> swiftlet_bpf_instruction {
            swiftlet_bpf_instruction(code: code, jump_true: jumpTrue, jump_false: jumpFalse, k: k)
        }
        var program = [
            instruction(Self.load, 4),                              // arch
            instruction(Self.jumpEqual, Self.auditArchX86_64, 1, 0),
            instruction(Self.ret, Self.killProcess),
        ]
        for rule in rules {
            // Each rule is a block that either allows or falls through to the next block.
            var block = [instruction(Self.load, 0)]                 // syscall number
            if let argument = rule.firstArgument {
                block += [
                    instruction(Self.jumpEqual, rule.number, 0, 5),
                    instruction(Self.load, 16),                      // args[0], low half
                    instruction(Self.jumpEqual, UInt32(truncatingIfNeeded: argument), 0, 3),
                    instruction(Self.load, 20),                      // args[0], high half
                    instruction(Self.jumpEqual, UInt32(truncatingIfNeeded: argument >> 32), 0, 1),
                ]
            } else {
                block.append(instruction(Self.jumpEqual, rule.number, 0, 1))
            }
            block.append(instruction(Self.ret, Self.allow))
            program += block
        }
        program.append(instruction(Self.ret, Self.killProcess))
        return program
    }
}

/// x86_64 Linux system call numbers the tenders allow.
public enum SystemCall {
    public static let read: UInt32 = 0, write: UInt32 = 1, pread64: UInt32 = 17, pwrite64: UInt32 = 18
    public static let archPrctl: UInt32 = 158, clockGettime: UInt32 = 228, exitGroup: UInt32 = 231
    public static let epollPwait: UInt32 = 281, timerfdSettime: UInt32 = 286
}
