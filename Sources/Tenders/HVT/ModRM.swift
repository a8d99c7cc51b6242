/// The operand a ModRM byte (with its SIB byte and displacement) names: a register number or a
/// guest address. Shared by the SSE and x87 decoders, which complete instructions that a KVM
/// emulating its guests cannot.
enum ModRMOperand: Equatable {
    case register(Int)
    case memory(UInt64)

    /// Decodes the ModRM byte at `bytes[at]` and what follows it, advancing `at` past them; the
    /// general registers (encoding order) and `rip` compute the address. RIP-relative addresses
    /// count from `at` after the displacement, so the instruction must end there (neither the
    /// SSE moves nor the x87 instructions have immediates). Returns the reg field (with REX.R) too.
    static func decode(_ bytes: [UInt8], at: inout Int, rex: UInt8, registers: [UInt64],
                       rip: UInt64) -> (reg: Int, operand: ModRMOperand)? {
        guard at < bytes.count else { return nil }
        let modrm = bytes[at]
        at += 1
        let mode = modrm >> 6
        let reg = Int((modrm >> 3) & 7) | (rex & 4 != 0 ? 8 : 0)
        let rm = Int(modrm & 7)
        if mode == 3 { return (reg, .register(rm | (rex & 1 != 0 ? 8 : 0))) }
        var address: UInt64 = 0
        var ripRelative = false
        var displacementSize = mode == 1 ? 1 : mode == 2 ? 4 : 0
        if rm == 4 {
            guard at < bytes.count else { return nil }
            let sib = bytes[at]
            at += 1
            let index = Int((sib >> 3) & 7) | (rex & 2 != 0 ? 8 : 0)
            if index != 4 { address &+= registers[index] << UInt64(sib >> 6) }
            if sib & 7 == 5 && mode == 0 {
                displacementSize = 4
            } else {
                address &+= registers[Int(sib & 7) | (rex & 1 != 0 ? 8 : 0)]
            }
        } else if rm == 5 && mode == 0 {
            ripRelative = true
            displacementSize = 4
        } else {
            address = registers[rm | (rex & 1 != 0 ? 8 : 0)]
        }
        guard at + displacementSize <= bytes.count else { return nil }
        var displacement: Int64 = 0
        if displacementSize == 1 {
            displacement = Int64(Int8(bitPattern: bytes[at]))
        } else if displacementSize == 4 {
            let raw = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            displacement = Int64(Int32(bitPattern: raw))
        }
        at += displacementSize
        if ripRelative { address = rip &+ UInt64(at) }
        return (reg, .memory(address &+ UInt64(bitPattern: displacement)))
    }
}
