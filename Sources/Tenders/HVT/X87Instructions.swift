/// The x87 floating-point instructions, completed by swiftlet-hvt for a KVM that emulates its
/// guests and cannot run them (kvm_pvm and other software KVMs complete only `fninit`,
/// `fnstcw` and `fnstsw`). hvt images are built without SSE, so the little floating point they
/// do (a hash table's growth: `Double(capacity) / loadFactor`, `ceil`) is x87 code.
///
/// The tender runs each one on the host's own x87 unit through `Float80`, so results are what
/// the guest's CPU would give. Covered: loads and stores of every memory format (16/32/64-bit
/// integers, 32/64/80-bit reals), the arithmetic (`fadd` … `fdivr`, popping and integer forms),
/// compares (`fcom`, `fucom`, `fcomi`, `fucomi`, popping forms, `ftst`), `fxch`, `fld st(i)`,
/// `fst(p) st(i)`, `fchs`, `fabs`, `fld1`, `fldz`, `frndint`, `fsqrt`, `fcmov*`, `fldcw`,
/// `fnstcw`, `fnstsw`, `fnclex`, `fninit`, `ffree`. Anything else is left undecoded, and the
/// tender stops with the instruction's bytes.
struct X87State: Equatable {
    /// ST(0) … ST(7) in stack order, 16 bytes each, the 80-bit value in the first 10 (FXSAVE's layout).
    var registers: [UInt8]
    var control: UInt16
    var status: UInt16
    /// Bit i: physical register i holds a value (FXSAVE's abridged tag byte).
    var tags: UInt8

    var top: Int { Int((status >> 11) & 7) }

    func st(_ index: Int) -> Float80 {
        var bytes = [UInt8](repeating: 0, count: 16)
        for offset in 0..<10 { bytes[offset] = registers[index * 16 + offset] }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: Float80.self) }
    }

    mutating func set(_ index: Int, _ value: Float80) {
        withUnsafeBytes(of: value) { raw in
            for offset in 0..<16 { registers[index * 16 + offset] = offset < 10 ? raw[offset] : 0 }
        }
    }

    mutating func push(_ value: Float80) {
        registers = [UInt8](repeating: 0, count: 16) + registers[0..<112]
        let newTop = (top + 7) & 7
        status = status & ~0x3800 | UInt16(newTop) << 11
        tags |= 1 << UInt8(newTop)
        set(0, value)
    }

    mutating func pop() {
        tags &= ~(1 << UInt8(top))
        registers = Array(registers[16..<128]) + [UInt8](repeating: 0, count: 16)
        status = status & ~0x3800 | UInt16((top + 1) & 7) << 11
    }

    /// Sets C3, C2, C0 (and clears C1) as `fcom` does for `a` against `b`.
    mutating func setConditionCodes(comparing a: Float80, with b: Float80) {
        let (c3, c2, c0): (UInt16, UInt16, UInt16) = a.isNaN || b.isNaN ? (1, 1, 1) : a > b ? (0, 0, 0) : a < b ? (0, 0, 1) : (1, 0, 0)
        status = status & ~0x4700 | c3 << 14 | c2 << 10 | c0 << 8
    }

    /// The rounding the control word's RC field selects.
    var rounding: FloatingPointRoundingRule {
        switch (control >> 10) & 3 {
        case 0: .toNearestOrEven
        case 1: .down
        case 2: .up
        default: .towardZero
        }
    }
}

/// One decoded x87 instruction: what it does and how long it is.
struct X87Instruction {
    /// The memory operand's format.
    enum Format { case int16, int32, int64, real32, real64, real80, word }

    enum Operation {
        /// `dst = dst OP src`; `arithmetic` is D8's /n numbering (0 add, 1 mul, 2 com, 3 comp, 4 sub, 5 subr, 6 div, 7 divr).
        case arithmeticMemory(Int, Format)
        /// ST(dst) = ST(dst) OP ST(src), then pop if asked.
        case arithmeticRegisters(Int, destination: Int, source: Int, pop: Bool)
        case load(Format), store(Format, pop: Bool), storeTruncating(Format)
        case loadRegister(Int), storeRegister(Int, pop: Bool), exchange(Int), free(Int)
        case compareRegister(Int, pops: Int), compareToFlags(Int, pop: Bool), test
        case conditionalMove(Int, condition: UInt8, negated: Bool)
        case changeSign, absolute, loadOne, loadZero, roundToInteger, squareRoot
        case loadControlWord, storeControlWord, storeStatusWord, storeStatusWordToAX, clearExceptions, initialize, noOperation
    }

    let operation: Operation
    let operand: ModRMOperand
    let length: Int
    /// The AT&T mnemonic, as objdump prints it, for messages.
    let mnemonic: String

    /// Decodes the x87 instruction at the start of `bytes` (prefixes: operand size, segment, REX).
    static func decode(_ bytes: [UInt8], registers: [UInt64], rip: UInt64) -> X87Instruction? {
        var at = 0
        var rex: UInt8 = 0
        while at < bytes.count, [0x66, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65].contains(bytes[at]) { at += 1 }
        if at < bytes.count, bytes[at] & 0xf0 == 0x40 { rex = bytes[at]; at += 1 }
        guard at + 1 < bytes.count, (0xd8...0xdf).contains(bytes[at]) else { return nil }
        let escape = bytes[at]
        at += 1
        let modrm = bytes[at]
        guard let (reg, operand) = ModRMOperand.decode(bytes, at: &at, rex: rex, registers: registers, rip: rip) else { return nil }
        let n = reg & 7
        let names = ["add", "mul", "com", "comp", "sub", "subr", "div", "divr"]
        func make(_ operation: Operation, _ mnemonic: String) -> X87Instruction {
            X87Instruction(operation: operation, operand: operand, length: at, mnemonic: mnemonic)
        }
        if case .memory = operand {
            switch (escape, n) {
            case (0xd8, _): return make(.arithmeticMemory(n, .real32), "f\(names[n])s")
            case (0xda, _): return make(.arithmeticMemory(n, .int32), "fi\(names[n])l")
            case (0xdc, _): return make(.arithmeticMemory(n, .real64), "f\(names[n])l")
            case (0xde, _): return make(.arithmeticMemory(n, .int16), "fi\(names[n])s")
            case (0xd9, 0): return make(.load(.real32), "flds")
            case (0xd9, 2): return make(.store(.real32, pop: false), "fsts")
            case (0xd9, 3): return make(.store(.real32, pop: true), "fstps")
            case (0xd9, 5): return make(.loadControlWord, "fldcw")
            case (0xd9, 7): return make(.storeControlWord, "fnstcw")
            case (0xdb, 0): return make(.load(.int32), "fildl")
            case (0xdb, 1): return make(.storeTruncating(.int32), "fisttpl")
            case (0xdb, 2): return make(.store(.int32, pop: false), "fistl")
            case (0xdb, 3): return make(.store(.int32, pop: true), "fistpl")
            case (0xdb, 5): return make(.load(.real80), "fldt")
            case (0xdb, 7): return make(.store(.real80, pop: true), "fstpt")
            case (0xdd, 0): return make(.load(.real64), "fldl")
            case (0xdd, 1): return make(.storeTruncating(.int64), "fisttpll")
            case (0xdd, 2): return make(.store(.real64, pop: false), "fstl")
            case (0xdd, 3): return make(.store(.real64, pop: true), "fstpl")
            case (0xdd, 7): return make(.storeStatusWord, "fnstsw")
            case (0xdf, 0): return make(.load(.int16), "filds")
            case (0xdf, 1): return make(.storeTruncating(.int16), "fisttps")
            case (0xdf, 2): return make(.store(.int16, pop: false), "fists")
            case (0xdf, 3): return make(.store(.int16, pop: true), "fistps")
            case (0xdf, 5): return make(.load(.int64), "fildll")
            case (0xdf, 7): return make(.store(.int64, pop: true), "fistpll")
            default: return nil
            }
        }
        let i = Int(modrm & 7)
        switch (escape, n) {
        case (0xd8, _): return make(.arithmeticRegisters(n, destination: 0, source: i, pop: false), "f\(names[n])")
        case (0xdc, 2), (0xdc, 3), (0xde, 2): return nil
        // DC and DE write ST(i), with sub/subr and div/divr swapped in the encoding.
        case (0xdc, _): return make(.arithmeticRegisters(n >= 4 ? n ^ 1 : n, destination: i, source: 0, pop: false), "f\(names[n >= 4 ? n ^ 1 : n])")
        case (0xde, 3) where i == 1: return make(.compareRegister(1, pops: 2), "fcompp")
        case (0xde, _) where n != 3: return make(.arithmeticRegisters(n >= 4 ? n ^ 1 : n, destination: i, source: 0, pop: true), "f\(names[n >= 4 ? n ^ 1 : n])p")
        case (0xd9, 0): return make(.loadRegister(i), "fld")
        case (0xd9, 1): return make(.exchange(i), "fxch")
        case (0xd9, 2) where i == 0: return make(.noOperation, "fnop")
        case (0xd9, 4) where i == 0: return make(.changeSign, "fchs")
        case (0xd9, 4) where i == 1: return make(.absolute, "fabs")
        case (0xd9, 4) where i == 4: return make(.test, "ftst")
        case (0xd9, 5) where i == 0: return make(.loadOne, "fld1")
        case (0xd9, 5) where i == 6: return make(.loadZero, "fldz")
        case (0xd9, 7) where i == 2: return make(.squareRoot, "fsqrt")
        case (0xd9, 7) where i == 4: return make(.roundToInteger, "frndint")
        case (0xda, 0...3): return make(.conditionalMove(i, condition: UInt8(n), negated: false), ["fcmovb", "fcmove", "fcmovbe", "fcmovu"][n])
        case (0xda, 5) where i == 1: return make(.compareRegister(1, pops: 2), "fucompp")
        case (0xdb, 0...3): return make(.conditionalMove(i, condition: UInt8(n), negated: true), ["fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"][n])
        case (0xdb, 4) where i == 2: return make(.clearExceptions, "fnclex")
        case (0xdb, 4) where i == 3: return make(.initialize, "fninit")
        case (0xdb, 5): return make(.compareToFlags(i, pop: false), "fucomi")
        case (0xdb, 6): return make(.compareToFlags(i, pop: false), "fcomi")
        case (0xdd, 0): return make(.free(i), "ffree")
        case (0xdd, 2): return make(.storeRegister(i, pop: false), "fst")
        case (0xdd, 3): return make(.storeRegister(i, pop: true), "fstp")
        case (0xdd, 4): return make(.compareRegister(i, pops: 0), "fucom")
        case (0xdd, 5): return make(.compareRegister(i, pops: 1), "fucomp")
        case (0xdf, 4) where i == 0: return make(.storeStatusWordToAX, "fnstsw")
        case (0xdf, 5): return make(.compareToFlags(i, pop: true), "fucomip")
        case (0xdf, 6): return make(.compareToFlags(i, pop: true), "fcomip")
        default: return nil
        }
    }

    /// The bytes of a memory operand of `format`.
    static func size(of format: Format) -> Int {
        switch format {
        case .int16, .word: 2
        case .int32, .real32: 4
        case .int64, .real64: 8
        case .real80: 10
        }
    }

    static func value(_ bytes: [UInt8], as format: Format) -> Float80 {
        let padded = bytes + [UInt8](repeating: 0, count: 16 - bytes.count)
        return padded.withUnsafeBytes { raw in
            switch format {
            case .int16: Float80(raw.loadUnaligned(as: Int16.self))
            case .int32: Float80(raw.loadUnaligned(as: Int32.self))
            case .int64: Float80(raw.loadUnaligned(as: Int64.self))
            case .real32: Float80(raw.loadUnaligned(as: Float.self))
            case .real64: Float80(raw.loadUnaligned(as: Double.self))
            case .real80, .word: raw.loadUnaligned(as: Float80.self)
            }
        }
    }

    /// `value` stored as `format`, integers rounded by `rounding` (or out of range: the
    /// "integer indefinite", the format's smallest value, as the masked invalid-operation gives).
    static func bytes(_ value: Float80, as format: Format, rounding: FloatingPointRoundingRule) -> [UInt8] {
        func integer<T: FixedWidthInteger>(_ type: T.Type) -> [UInt8] {
            let rounded = value.rounded(rounding)
            let result = rounded.isFinite && rounded >= Float80(T.min) && rounded <= Float80(T.max) ? T(rounded) : T.min
            return withUnsafeBytes(of: result.littleEndian) { Array($0) }
        }
        switch format {
        case .int16, .word: return integer(Int16.self)
        case .int32: return integer(Int32.self)
        case .int64: return integer(Int64.self)
        case .real32: return withUnsafeBytes(of: Float(value)) { Array($0) }
        case .real64: return withUnsafeBytes(of: Double(value)) { Array($0) }
        case .real80: return withUnsafeBytes(of: value) { Array($0.prefix(10)) }
        }
    }

    static func arithmetic(_ operation: Int, _ a: Float80, _ b: Float80) -> Float80 {
        switch operation {
        case 0: a + b
        case 1: a * b
        case 4: a - b
        case 5: b - a
        case 6: a / b
        default: b / a
        }
    }

    /// Runs the instruction on `state`, the general registers and RFLAGS, reading and writing
    /// guest memory through `read` and `write`. False when a memory operand is out of reach.
    func execute(_ state: inout X87State, registers: inout [UInt64], flags: inout UInt64,
                 read: (UInt64, Int) -> [UInt8]?, write: (UInt64, [UInt8]) -> Bool) -> Bool {
        func load(_ format: Format) -> Float80? {
            guard case .memory(let address) = operand, let bytes = read(address, Self.size(of: format)) else { return nil }
            return Self.value(bytes, as: format)
        }
        func store(_ bytes: [UInt8]) -> Bool {
            guard case .memory(let address) = operand else { return false }
            return write(address, bytes)
        }
        switch operation {
        case .arithmeticMemory(let n, let format):
            guard let source = load(format) else { return false }
            if n == 2 || n == 3 {
                state.setConditionCodes(comparing: state.st(0), with: source)
                if n == 3 { state.pop() }
            } else {
                state.set(0, Self.arithmetic(n, state.st(0), source))
            }
        case .arithmeticRegisters(let n, let destination, let source, let pop):
            if n == 2 || n == 3 {
                state.setConditionCodes(comparing: state.st(0), with: state.st(source))
                if n == 3 { state.pop() }
            } else {
                state.set(destination, Self.arithmetic(n, state.st(destination), state.st(source)))
                if pop { state.pop() }
            }
        case .load(let format):
            guard let value = load(format) else { return false }
            state.push(value)
        case .store(let format, let pop):
            guard store(Self.bytes(state.st(0), as: format, rounding: state.rounding)) else { return false }
            if pop { state.pop() }
        case .storeTruncating(let format):
            guard store(Self.bytes(state.st(0), as: format, rounding: .towardZero)) else { return false }
            state.pop()
        case .loadRegister(let i):
            state.push(state.st(i))
        case .storeRegister(let i, let pop):
            state.set(i, state.st(0))
            if pop { state.pop() }
        case .exchange(let i):
            let first = state.st(0)
            state.set(0, state.st(i))
            state.set(i, first)
        case .free(let i):
            state.tags &= ~(1 << UInt8((state.top + i) & 7))
        case .compareRegister(let i, let pops):
            state.setConditionCodes(comparing: state.st(0), with: state.st(i))
            for _ in 0..<pops { state.pop() }
        case .compareToFlags(let i, let pop):
            let a = state.st(0), b = state.st(i)
            let (zf, pf, cf): (UInt64, UInt64, UInt64) = a.isNaN || b.isNaN ? (1, 1, 1) : a > b ? (0, 0, 0) : a < b ? (0, 0, 1) : (1, 0, 0)
            // ZF bit 6, PF bit 2, CF bit 0; OF (11), SF (7) and AF (4) are cleared.
            flags = flags & ~UInt64(0x8d5) | zf << 6 | pf << 2 | cf
            state.status &= ~0x0200
            if pop { state.pop() }
        case .test:
            state.setConditionCodes(comparing: state.st(0), with: 0)
        case .conditionalMove(let i, let condition, let negated):
            let cf = flags & 1 != 0, zf = flags & 0x40 != 0, pf = flags & 4 != 0
            let holds = [cf, zf, cf || zf, pf][Int(condition)]
            if holds != negated { state.set(0, state.st(i)) }
        case .changeSign: state.set(0, -state.st(0))
        case .absolute: state.set(0, abs(state.st(0)))
        case .loadOne: state.push(1)
        case .loadZero: state.push(0)
        case .roundToInteger: state.set(0, state.st(0).rounded(state.rounding))
        case .squareRoot: state.set(0, state.st(0).squareRoot())
        case .loadControlWord:
            guard case .memory(let address) = operand, let bytes = read(address, 2) else { return false }
            state.control = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        case .storeControlWord:
            guard store([UInt8(truncatingIfNeeded: state.control), UInt8(state.control >> 8)]) else { return false }
        case .storeStatusWord:
            guard store([UInt8(truncatingIfNeeded: state.status), UInt8(state.status >> 8)]) else { return false }
        case .storeStatusWordToAX:
            registers[0] = registers[0] & ~0xffff | UInt64(state.status)
        case .clearExceptions:
            state.status &= 0x7f00  // the exception flags and busy go; C0-C3 and TOP stay
        case .initialize:
            state = X87State(registers: [UInt8](repeating: 0, count: 128), control: 0x037f, status: 0, tags: 0)
        case .noOperation:
            break
        }
        return true
    }
}
