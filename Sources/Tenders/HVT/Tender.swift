// swiftlet-hvt: runs a Solo5 hvt unikernel in a KVM virtual machine, serving its hypercalls
// (docs/solo5-abi.md, section 4).
import CSolo5ABI
import CSwiftletTender
import HostLibc
import SwiftletTender

func run(_ arguments: [String]) throws(TenderError) -> Int32 {
    let options = try TenderOptions.parse(arguments)
    if options.helpRequested {
        fputs(TenderOptions.usage("swiftlet-hvt"), stdout)
        return 0
    }
    let image = try ELFImage(path: options.image)
    try image.requireABI(target: UInt32(SOLO5_ABI_HVT.rawValue), version: UInt32(SOLO5_HVT_ABI_VERSION))
    var manifest = try Manifest(image: image)
    let memory = try GuestMemory(virtualMachineMegabytes: options.memoryMegabytes)
    writePageTablesAndGDT(memory)
    let kernelEnd = try memory.load(image)
    let devices = try attachDevices(options, to: &manifest)

    // Boot information, the manifest and the command line, in the read-only low area.
    let manifestAddress = UInt64(HVT_BOOT_INFO_BASE) + UInt64(MemoryLayout<hvt_boot_info>.size)
    let manifestBytes = manifest.bytes
    let commandLineAddress = manifestAddress + UInt64(manifestBytes.count)
    var commandLine = Array(options.commandLine.utf8)
    guard commandLine.count < Int(SPT_CMDLINE_SIZE) else {
        throw TenderError("the unikernel's arguments are longer than \(SPT_CMDLINE_SIZE - 1) bytes")
    }
    commandLine.append(0)

    var machine = swiftlet_hvt()
    guard swiftlet_hvt_create(&machine, memory.start, memory.size) == 0 else {
        throw TenderError("cannot create the KVM virtual machine (\(String(cString: strerror(host_errno())))): is /dev/kvm there and usable?")
    }
    guard machine.tsc_hz > 0 else { throw TenderError("KVM does not report the TSC frequency") }
    var bootInfo = hvt_boot_info()
    bootInfo.memory_size = memory.size
    bootInfo.kernel_end = kernelEnd
    bootInfo.cpu_cycle_frequency = machine.tsc_hz
    bootInfo.cmdline = commandLineAddress
    bootInfo.manifest = manifestAddress
    memory.write(value: bootInfo, at: UInt64(HVT_BOOT_INFO_BASE))
    memory.write(manifestBytes, at: manifestAddress)
    memory.write(commandLine, at: commandLineAddress)
    guard swiftlet_hvt_start(&machine, image.entry, memory.size - 8, UInt64(HVT_BOOT_INFO_BASE)) == 0 else {
        throw TenderError("cannot set up the virtual CPU (\(String(cString: strerror(host_errno()))))")
    }
    fflush(stdout)
    var hypercalls = Hypercalls(memory: memory, manifest: manifest, devices: devices)
    var exit = swiftlet_hvt_exit()
    while true {
        guard swiftlet_hvt_run(&machine, &exit) == 0 else {
            let reason = host_errno() == EFAULT ? "the guest touched memory it may not (e.g. wrote to its code)" : String(cString: strerror(host_errno()))
            throw TenderError("KVM_RUN failed at rip=0x\(String(exit.rip, radix: 16)): \(reason)")
        }
        switch exit.reason {
        case 2 where exit.is_out_of_four_bytes != 0
            && (HVT_HYPERCALL_PORT_BASE + 1...HVT_HYPERCALL_PORT_BASE + 8).contains(Int32(exit.port)):
            if let status = try hypercalls.serve(Int(exit.port) - Int(HVT_HYPERCALL_PORT_BASE), argument: UInt64(exit.value)) {
                return status
            }
        case 6:  // KVM_EXIT_MMIO: a guest access outside writable memory, e.g. a write to its code
            throw TenderError("the guest touched memory it may not (a write to its code or read-only data, "
                              + "or an address outside guest memory) at rip=0x\(String(exit.rip, radix: 16))")
        case 2:
            throw TenderError("invalid guest port access: port=0x\(String(exit.port, radix: 16)) at rip=0x\(String(exit.rip, radix: 16))")
        case 17 where exit.suberror == 1 && (completeSSEInstruction(&machine, memory: memory)
                                             || completeX87Instruction(&machine, memory: memory)):
            continue
        case 17 where exit.suberror == 1:
            throw TenderError(unemulatedInstructionMessage(&machine, memory: memory, rip: exit.rip))
        default:
            throw TenderError("the virtual CPU stopped (KVM exit \(exit.reason), suberror \(exit.suberror)) at rip=0x\(String(exit.rip, radix: 16))")
        }
    }
}

/// Completes the instruction the vCPU stopped at (see `SSEInstruction`), for KVM hosts that
/// emulate their guests and cannot (kvm_pvm). Guest addresses are physical ones: the page tables are an identity map.
func completeSSEInstruction(_ machine: inout swiftlet_hvt, memory: GuestMemory) -> Bool {
    var registers = [UInt64](repeating: 0, count: 16)
    var xmm = [UInt8](repeating: 0, count: 256)
    var rip: UInt64 = 0, flags: UInt64 = 0
    guard swiftlet_hvt_get_cpu(&machine, &registers, &rip, &flags, &xmm) == 0, memory.contains(rip, count: 15) else { return false }
    let bytes = (0..<15).map { memory.pointer(rip + UInt64($0)).load(as: UInt8.self) }
    guard let instruction = SSEInstruction.decode(bytes, registers: registers, rip: rip) else { return false }
    var source = [UInt8](repeating: 0, count: 16)
    switch instruction.operand {
    case .register(let number):
        source = Array(xmm[(number * 16)..<(number * 16 + 16)])
    case .memory(let address):
        guard memory.contains(address, count: 16) else { return false }
        if instruction.operation != .store {
            source = (0..<16).map { memory.pointer(address + UInt64($0)).load(as: UInt8.self) }
        }
    }
    let target = instruction.register * 16
    switch instruction.operation {
    case .load:
        for index in 0..<16 { xmm[target + index] = source[index] }
    case .exclusiveOr:
        for index in 0..<16 { xmm[target + index] ^= source[index] }
    case .compareExchange16:
        guard case .memory(let address) = instruction.operand else { return false }
        let low = memory.pointer(address).loadUnaligned(as: UInt64.self)
        let high = memory.pointer(address + 8).loadUnaligned(as: UInt64.self)
        let zeroFlag: UInt64 = 1 << 6
        if low == registers[0] && high == registers[2] {            // RDX:RAX matches
            memory.write(value: (registers[3], registers[1]), at: address)  // store RCX:RBX
            flags |= zeroFlag
        } else {
            registers[0] = low
            registers[2] = high
            flags &= ~zeroFlag
        }
    case .store:
        let value = Array(xmm[target..<(target + 16)])
        switch instruction.operand {
        case .register(let number):
            for index in 0..<16 { xmm[number * 16 + index] = value[index] }
        case .memory(let address):
            memory.write(value, at: address)
        }
    }
    return swiftlet_hvt_set_cpu(&machine, registers, rip + UInt64(instruction.length), flags, xmm) == 0
}

/// Completes the x87 instruction the vCPU stopped at (see `X87Instruction`), for KVM hosts that
/// emulate their guests; it runs on the host's own x87 unit.
func completeX87Instruction(_ machine: inout swiftlet_hvt, memory: GuestMemory) -> Bool {
    var registers = [UInt64](repeating: 0, count: 16)
    var xmm = [UInt8](repeating: 0, count: 256)
    var rip: UInt64 = 0, flags: UInt64 = 0
    guard swiftlet_hvt_get_cpu(&machine, &registers, &rip, &flags, &xmm) == 0, memory.contains(rip, count: 15) else { return false }
    let bytes = (0..<15).map { memory.pointer(rip + UInt64($0)).load(as: UInt8.self) }
    guard let instruction = X87Instruction.decode(bytes, registers: registers, rip: rip) else { return false }
    var state = X87State(registers: [UInt8](repeating: 0, count: 128), control: 0, status: 0, tags: 0)
    guard swiftlet_hvt_get_x87(&machine, &state.registers, &state.control, &state.status, &state.tags) == 0 else { return false }
    let done = instruction.execute(&state, registers: &registers, flags: &flags, read: { address, count in
        memory.contains(address, count: UInt64(count)) ? (0..<count).map { memory.pointer(address + UInt64($0)).load(as: UInt8.self) } : nil
    }, write: { address, bytes in
        guard memory.contains(address, count: UInt64(bytes.count)) else { return false }
        memory.write(bytes, at: address)
        return true
    })
    guard done, swiftlet_hvt_set_x87(&machine, state.registers, state.control, state.status, state.tags) == 0 else { return false }
    return swiftlet_hvt_set_cpu(&machine, registers, rip + UInt64(instruction.length), flags, xmm) == 0
}

/// What to say when KVM stops at an instruction neither it nor the tender completes: which
/// instruction (its mnemonic when the tender knows it, its bytes, x87 or SSE), and what to do.
func unemulatedInstructionMessage(_ machine: inout swiftlet_hvt, memory: GuestMemory, rip: UInt64) -> String {
    var bytes: [UInt8] = []
    if memory.contains(rip, count: 15) { bytes = (0..<15).map { memory.pointer(rip + UInt64($0)).load(as: UInt8.self) } }
    var registers = [UInt64](repeating: 0, count: 16)
    var xmm = [UInt8](repeating: 0, count: 256)
    var ignored: UInt64 = 0, flags: UInt64 = 0
    _ = swiftlet_hvt_get_cpu(&machine, &registers, &ignored, &flags, &xmm)
    var opcode = bytes.drop { [0x66, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65].contains($0) }
    if let first = opcode.first, first & 0xf0 == 0x40 { opcode = opcode.dropFirst() }
    let kind: String
    if let first = opcode.first, (0xd8...0xdf).contains(first) {
        kind = X87Instruction.decode(bytes, registers: registers, rip: rip).map { "x87 \($0.mnemonic)" } ?? "an x87 instruction"
    } else if opcode.first == 0x0f {
        kind = "an SSE (or other 0f-escaped) instruction"
    } else {
        kind = "an instruction"
    }
    let hex = bytes.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
    return "KVM could not run \(kind) at rip=0x\(String(rip, radix: 16)) (bytes \(hex)): this host's KVM emulates its guests "
        + "(as kvm_pvm does) and swiftlet-hvt completes only the SSE moves and x87 instructions Swiftlet's own images use. "
        + "Rebuild the unikernel with this Swiftlet (swiftlet build: hvt images are compiled without SSE), "
        + "or run it on spt (swiftlet configure -t spt), which needs no KVM"
}

/// Identity page tables and a boot GDT, laid out as Solo5's hvt guests expect: below 64 KiB
/// nothing is mapped, 64 KiB to 1 MiB (boot information) is read-only, the rest read-write.
func writePageTablesAndGDT(_ memory: GuestMemory) {
    memory.write(value: (UInt64(0), UInt64(0x00AF_9900_0000_FFFF), UInt64(0x00CF_9300_0000_FFFF)), at: 0x1000)
    memory.write(value: UInt64(0x3003), at: 0x2000)                                  // PML4[0] -> PDPT
    for index in 0..<4 { memory.write(value: UInt64(0x4003 + 0x1000 * index), at: 0x3000 + UInt64(8 * index)) }
    memory.write(value: UInt64(0x8003), at: 0x4000)                                  // PD[0] -> 4 KiB table
    for page in stride(from: UInt64(0), to: 0x200000, by: 0x1000) {
        let entry: UInt64 = page < 0x10000 ? 0 : page < 0x100000 ? page | 1 : page | 3
        memory.write(value: entry, at: 0x8000 + page / 0x1000 * 8)
    }
    for large in stride(from: UInt64(0x200000), to: memory.size, by: 0x200000) {   // 2 MiB pages
        memory.write(value: large | 0x83, at: 0x4000 + large / 0x200000 * 8)
    }
}

/// The hypercalls, served against guest memory with every guest address range-checked.
struct Hypercalls {
    // solo5_result_t, as hypercalls return it.
    static let ok: Int32 = 0, again: Int32 = 1, invalid: Int32 = 2

    let memory: GuestMemory
    let manifest: Manifest
    let devices: AttachedDevices
    var networkDescriptors: [Int32] { devices.networks.map { $0.descriptor } }

    func argument<T>(_ address: UInt64, as type: T.Type) throws(TenderError) -> UnsafeMutablePointer<T> {
        guard address % 8 == 0, memory.contains(address, count: UInt64(MemoryLayout<T>.size)) else {
            throw TenderError("invalid guest access: gpa=0x\(String(address, radix: 16)), size=\(MemoryLayout<T>.size)")
        }
        return memory.pointer(address).assumingMemoryBound(to: T.self)
    }

    func buffer(_ address: UInt64, _ length: UInt64) throws(TenderError) -> UnsafeMutableRawPointer {
        guard memory.contains(address, count: length) else {
            throw TenderError("invalid guest access: gpa=0x\(String(address, radix: 16)), size=\(length)")
        }
        return memory.pointer(address)
    }

    func descriptor(_ handle: UInt64, in list: [(handle: Int, descriptor: Int32)]) -> Int32? {
        list.first { UInt64($0.handle) == handle }?.descriptor
    }

    /// Serves hypercall `number`; returns the exit status when the guest halts.
    mutating func serve(_ number: Int, argument address: UInt64) throws(TenderError) -> Int32? {
        switch UInt32(number) {
        case HVT_HYPERCALL_WALLTIME.rawValue:
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            try argument(address, as: hvt_walltime.self).pointee.nanoseconds = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        case HVT_HYPERCALL_PUTS.rawValue:
            let puts = try argument(address, as: hvt_puts.self).pointee
            _ = write(1, try buffer(puts.data, puts.length), Int(puts.length))
        case HVT_HYPERCALL_POLL.rawValue:
            let poll = try argument(address, as: hvt_poll.self)
            var ready: UInt64 = 0
            let descriptors = networkDescriptors
            let count = descriptors.withUnsafeBufferPointer {
                swiftlet_wait_readable($0.baseAddress, Int32($0.count), poll.pointee.timeout_nanoseconds, &ready)
            }
            var readySet: UInt64 = 0
            for (index, network) in devices.networks.enumerated() where ready & (1 << UInt64(index)) != 0 {
                readySet |= 1 << UInt64(network.handle)
            }
            poll.pointee.ready_set = readySet
            poll.pointee.result = max(count, 0)
        case HVT_HYPERCALL_BLOCK_WRITE.rawValue, HVT_HYPERCALL_BLOCK_READ.rawValue:
            let io = try argument(address, as: hvt_block_io.self)
            guard let fd = descriptor(io.pointee.handle, in: devices.blocks),
                  io.pointee.offset < manifest.entries[Int(io.pointee.handle)].device.block.capacity,
                  io.pointee.length <= manifest.entries[Int(io.pointee.handle)].device.block.capacity - io.pointee.offset else {
                io.pointee.result = Self.invalid
                return nil
            }
            let data = try buffer(io.pointee.data, io.pointee.length)
            let done = UInt32(number) == HVT_HYPERCALL_BLOCK_WRITE.rawValue
                ? pwrite(fd, data, Int(io.pointee.length), off_t(io.pointee.offset))
                : pread(fd, data, Int(io.pointee.length), off_t(io.pointee.offset))
            guard done == Int(io.pointee.length) else { throw TenderError("block I/O failed on the host (\(String(cString: strerror(host_errno()))))") }
            io.pointee.result = Self.ok
        case HVT_HYPERCALL_NET_WRITE.rawValue, HVT_HYPERCALL_NET_READ.rawValue:
            let io = try argument(address, as: hvt_net_io.self)
            guard let fd = descriptor(io.pointee.handle, in: devices.networks) else {
                io.pointee.result = Self.invalid
                return nil
            }
            let data = try buffer(io.pointee.data, io.pointee.length)
            if UInt32(number) == HVT_HYPERCALL_NET_WRITE.rawValue {
                guard write(fd, data, Int(io.pointee.length)) == Int(io.pointee.length) else {
                    throw TenderError("writing to the tap interface failed (\(String(cString: strerror(host_errno()))))")
                }
                io.pointee.result = Self.ok
            } else {
                let count = read(fd, data, Int(io.pointee.length))
                if count > 0 {
                    io.pointee.length = UInt64(count)
                    io.pointee.result = Self.ok
                } else if count == 0 || host_errno() == EAGAIN {
                    io.pointee.result = Self.again
                } else {
                    throw TenderError("reading from the tap interface failed (\(String(cString: strerror(host_errno()))))")
                }
            }
        case HVT_HYPERCALL_HALT.rawValue:
            let halt = try argument(address, as: hvt_halt.self).pointee
            return halt.exit_status & 0xff
        default:
            throw TenderError("invalid guest hypercall: num=\(number)")
        }
        return nil
    }
}

@_cdecl("main")
func main(_ count: Int32, _ values: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    let arguments = (1..<Int(max(count, 1))).map { String(cString: values[$0]!) }
    do {
        return try run(arguments)
    } catch {
        fputs("swiftlet-hvt: \(error.message)\n", stderr)
        return 1
    }
}
