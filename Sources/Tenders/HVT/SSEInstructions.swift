/// The instructions that the prebuilt Embedded Swift concurrency runtime uses and that a KVM which
/// emulates its guests (kvm_pvm) cannot execute: the SSE data moves and XORs (`movaps`, `movups`,
/// `movdqa`, `movdqu`, `xorps`, `pxor`, register or memory operands) and the 16-byte atomic
/// `lock cmpxchg16b`. Decoded so that swiftlet-hvt can complete them itself; everything else is
/// left to KVM.
struct SSEInstruction: Equatable {
    enum Operation { case load, store, exclusiveOr, compareExchange16 }
    typealias Operand = ModRMOperand

    let operation: Operation
    /// The XMM register named by the ModRM reg field.
    let register: Int
    let operand: Operand
    let length: Int

    /// Decodes the instruction at the start of `bytes`, with the general registers (encoding
    /// order) and RIP for addressing; `nil` for anything it does not handle.
    static func decode(_ bytes: [UInt8], registers: [UInt64], rip: UInt64) -> SSEInstruction? {
        var at = 0
        func next() -> UInt8? { at < bytes.count ? bytes[at] : nil }
        var operandSize = false, repeatPrefix: UInt8 = 0, locked = false
        while let byte = next(), byte == 0x66 || byte == 0xf3 || byte == 0xf2 || byte == 0xf0 {
            if byte == 0x66 { operandSize = true } else if byte == 0xf0 { locked = true } else { repeatPrefix = byte }
            at += 1
        }
        var rex: UInt8 = 0
        if let byte = next(), byte & 0xf0 == 0x40 { rex = byte; at += 1 }
        guard next() == 0x0f else { return nil }
        at += 1
        guard let opcode = next() else { return nil }
        at += 1
        let operation: Operation
        switch (opcode, operandSize, repeatPrefix) {
        case (0x10, _, 0), (0x28, _, 0), (0x6f, true, 0), (0x6f, false, 0xf3): operation = .load
        case (0x11, _, 0), (0x29, _, 0), (0x7f, true, 0), (0x7f, false, 0xf3): operation = .store
        case (0x57, _, 0), (0xef, true, 0): operation = .exclusiveOr
        case (0xc7, false, 0) where rex & 8 != 0: operation = .compareExchange16  // REX.W 0F C7 /1
        default: return nil
        }
        guard let modrm = next() else { return nil }
        if operation == .compareExchange16 && ((modrm >> 3) & 7 != 1 || modrm >> 6 == 3) { return nil }
        _ = locked  // one vCPU: the lock prefix changes nothing here
        guard let (register, operand) = ModRMOperand.decode(bytes, at: &at, rex: rex, registers: registers, rip: rip) else { return nil }
        return SSEInstruction(operation: operation, register: register, operand: operand, length: at)
    }
}
