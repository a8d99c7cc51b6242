// swiftlet-spt: runs a Solo5 spt unikernel in this process, behind a seccomp filter that lets
// it make only the dozen system calls its devices need (docs/solo5-abi.md).
import HostLibc
import CSolo5ABI
import CSwiftletTender
import SwiftletTender

func run(_ arguments: [String]) throws(TenderError) -> Never {
    let options = try TenderOptions.parse(arguments)
    if options.helpRequested {
        fputs(TenderOptions.usage("swiftlet-spt"), stdout)
        exit(0)
    }
    let image = try ELFImage(path: options.image)
    try image.requireABI(target: UInt32(SOLO5_ABI_SPT.rawValue), version: UInt32(SOLO5_SPT_ABI_VERSION))
    var manifest = try Manifest(image: image)
    let memory = try GuestMemory(megabytes: options.memoryMegabytes)
    let kernelEnd = try memory.load(image)

    var epoll: Int32 = -1, timer: Int32 = -1
    guard swiftlet_spt_events(&epoll, &timer) == 0 else { throw TenderError("cannot create the epoll set or timer (\(String(cString: strerror(host_errno()))))") }
    try watch(timer, tag: UInt64(SPT_INTERNAL_TIMER_DATA), epoll: epoll)

    var rules: [SeccompFilter.Rule] = [
        .init(SystemCall.write, firstArgument: 1),
        .init(SystemCall.exitGroup),
        .init(SystemCall.epollPwait, firstArgument: UInt64(epoll)),
        .init(SystemCall.timerfdSettime, firstArgument: UInt64(timer)),
        .init(SystemCall.clockGettime, firstArgument: UInt64(CLOCK_MONOTONIC)),
        .init(SystemCall.clockGettime, firstArgument: UInt64(CLOCK_REALTIME)),
        .init(SystemCall.archPrctl, firstArgument: 0x1002),  // ARCH_SET_FS
    ]
    let devices = try attachDevices(options, to: &manifest)
    for network in devices.networks {
        try watch(network.descriptor, tag: UInt64(network.handle), epoll: epoll)
        rules += [.init(SystemCall.read, firstArgument: UInt64(network.descriptor)),
                  .init(SystemCall.write, firstArgument: UInt64(network.descriptor))]
    }
    for block in devices.blocks {
        rules += [.init(SystemCall.pread64, firstArgument: UInt64(block.descriptor)),
                  .init(SystemCall.pwrite64, firstArgument: UInt64(block.descriptor))]
    }

    // Boot information, then the manifest, then the command line, all below the image.
    let bootInfoAddress = UInt64(SPT_BOOT_INFO_BASE)
    let manifestAddress = bootInfoAddress + UInt64(MemoryLayout<spt_boot_info>.size)
    let manifestBytes = manifest.bytes
    let commandLineAddress = manifestAddress + UInt64(manifestBytes.count)
    var commandLine = Array(options.commandLine.utf8)
    guard commandLine.count < Int(SPT_CMDLINE_SIZE) else {
        throw TenderError("the unikernel's arguments are longer than \(SPT_CMDLINE_SIZE - 1) bytes")
    }
    commandLine.append(0)
    var bootInfo = spt_boot_info()
    bootInfo.memory_size = memory.size
    bootInfo.kernel_end = kernelEnd
    bootInfo.cmdline = UnsafePointer(bitPattern: UInt(commandLineAddress))
    bootInfo.manifest = UnsafePointer(bitPattern: UInt(manifestAddress))
    bootInfo.epoll_descriptor = epoll
    bootInfo.timer_descriptor = timer
    memory.write(value: bootInfo, at: bootInfoAddress)
    memory.write(manifestBytes, at: manifestAddress)
    memory.write(commandLine, at: commandLineAddress)

    fflush(stdout)
    let program = SeccompFilter(rules: rules).program
    _ = program.withUnsafeBufferPointer { filter in
        swiftlet_spt_enter(filter.baseAddress, UInt16(filter.count), memory.size - 8, image.entry, bootInfoAddress)
    }
    throw TenderError("cannot install the seccomp filter (\(String(cString: strerror(host_errno()))))")
}

func watch(_ descriptor: Int32, tag: UInt64, epoll: Int32) throws(TenderError) {
    guard swiftlet_epoll_watch(epoll, descriptor, tag) == 0 else {
        throw TenderError("epoll_ctl failed (\(String(cString: strerror(host_errno()))))")
    }
}


/// The program's entry. The tender is Embedded Swift, linked statically: it starts as fast as a
/// C program, with no language runtime to initialise.
@_cdecl("main")
func main(_ count: Int32, _ values: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    let arguments = (1..<Int(max(count, 1))).map { String(cString: values[$0]!) }
    do {
        try run(arguments)
    } catch {
        fputs("swiftlet-spt: \(error.message)\n", stderr)
        return 1
    }
}
