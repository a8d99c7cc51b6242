import Foundation

/// Debian's GRUB for BIOS (grub-pc-bin, grub-common), as the disk images use it: `boot.img`
/// in the MBR, a `core.img` from `grub-mkimage` right after it, and grub.cfg on the FAT partition.
///
/// Nothing is installed with grub-install or grub-bios-setup (they want a block device): the
/// images' defaults already describe this layout. boot.img loads the sector its `kernel_sector`
/// field names, 1 unless changed; that sector is diskboot.img, the first of core.img, whose
/// block list (the last 12 bytes of the sector) starts at sector 2 by default and whose length
/// grub-mkimage sets to core.img's sector count less one (util/mkimage.c). ``checkDefaults``
/// verifies both fields on the files at hand rather than trusting this.
struct GRUB {
    /// The folder of the i386-pc images and modules.
    let directory: URL
    /// The `grub-mkimage` program.
    let mkimage: String

    /// Where GRUB's root is, as core.img's prefix: the first MBR partition of the boot disk.
    static let prefix = "(hd0,msdos1)/boot/grub"
    /// Built into core.img, so booting reads no module from the disk: the BIOS disk and MBR
    /// partition drivers and FAT to find grub.cfg; normal mode and its commands to run it.
    static let modules = ["biosdisk", "part_msdos", "fat", "normal", "configfile", "serial", "terminal",
                          "multiboot2", "boot", "echo", "test"]
    /// Offsets GRUB's i386-pc headers define: boot.img's `kernel_sector` field, and the block
    /// list at the end of diskboot.img (start: 8 bytes, length: 2, segment: 2).
    static let kernelSectorOffset = 0x5C
    static let blockListOffset = 512 - 12

    /// Finds grub-mkimage and the i386-pc folder (`$SWIFTLET_GRUB_DIRECTORY` overrides
    /// /usr/lib/grub/i386-pc).
    static func locate(directory given: URL? = nil) throws(ToolError) -> GRUB {
        let environment = ProcessInfo.processInfo.environment
        let directory = given ?? URL(fileURLWithPath: environment["SWIFTLET_GRUB_DIRECTORY"] ?? "/usr/lib/grub/i386-pc", isDirectory: true)
        let needed = ["boot.img", "diskboot.img", "kernel.img", "moddep.lst"]
        let missing = needed.filter { !FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
        guard missing.isEmpty else {
            throw ToolError("GRUB for BIOS is not installed: \(directory.path) has no \(missing.joined(separator: ", "))",
                            hint: installHint)
        }
        guard let mkimage = Shell.which("grub-mkimage") else {
            throw ToolError("grub-mkimage is not installed (or not on PATH)", hint: installHint)
        }
        return GRUB(directory: directory, mkimage: mkimage)
    }

    static let installHint = "install the Debian packages: apt-get install grub-pc-bin qemu-utils"

    /// boot.img's first 440 bytes, the MBR's code (the disk signature and partition table follow).
    func mbrCode() throws(ToolError) -> [UInt8] {
        let image = try Self.read(directory.appendingPathComponent("boot.img"))
        guard image.count == 512 else { throw ToolError("\(directory.path)/boot.img is \(image.count) bytes, not 512") }
        return Array(image[0..<440])
    }

    /// Makes core.img at `output` with the prefix and modules above.
    func makeCore(at output: URL) throws(ToolError) {
        try? FileManager.default.removeItem(at: output)
        try Shell.compile(mkimage, ["-O", "i386-pc", "-d", directory.path, "-o", output.path, "-p", Self.prefix] + Self.modules,
                          what: "grub-mkimage (making GRUB's core.img)")
    }

    /// Checks that boot.img loads sector 1 and that core.img's first sector (diskboot.img) then
    /// loads the rest of core.img from sector 2 on: the layout the disk is written in.
    static func checkDefaults(mbrCode: [UInt8], core: [UInt8]) throws(ToolError) {
        let kernelSector = littleEndian(mbrCode, at: kernelSectorOffset, count: 8)
        guard kernelSector == 1 else {
            throw ToolError("GRUB's boot.img loads core.img from sector \(kernelSector), not 1 as its default is",
                            hint: "reinstall grub-pc-bin (apt-get install --reinstall grub-pc-bin)")
        }
        let sectors = (core.count + 511) / 512
        guard core.count >= 512 else { throw ToolError("grub-mkimage made a core.img of \(core.count) bytes") }
        let start = littleEndian(core, at: blockListOffset, count: 8)
        let length = littleEndian(core, at: blockListOffset + 8, count: 2)
        guard start == 2, length == UInt64(sectors - 1) else {
            throw ToolError("GRUB's core.img loads sectors \(start) to \(start + length) (its block list), not 2 to \(sectors)",
                            hint: "this GRUB's diskboot.img differs from Debian's; report it with `grub-mkimage --version`")
        }
    }

    /// grub.cfg: the serial console, no menu, and one entry booting the kernel with `arguments`.
    static func configuration(kernelPath: String, title: String, arguments: KernelCommandLine) -> String {
        let words = arguments.arguments.isEmpty ? "" : " " + arguments.grubWords
        return """
        # Made by swiftlet mkimage. The unikernel prints on COM1 (the serial port), so GRUB does too.
        serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
        terminal_input serial
        terminal_output serial
        set timeout=0
        set default=0

        menuentry \(KernelCommandLine.singleQuoted(title)) {
            multiboot2 \(kernelPath)\(words)
            boot
        }

        """
    }

    /// Checks that `kernel` is an ELF file carrying a valid Multiboot2 header in its first
    /// 32 KiB, 8-byte aligned, as GRUB's `multiboot2` command needs.
    static func checkMultiboot2Header(of kernel: URL) throws(ToolError) {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: kernel) } catch {
            throw ToolError("cannot read \(kernel.path): \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        let head = Array((try? handle.read(upToCount: 32768)) ?? Data())
        guard head.count >= 64, head[0..<4] == [0x7F, 0x45, 0x4C, 0x46] else {
            throw ToolError("\(kernel.path) is not an ELF file", hint: "build it again: swiftlet build")
        }
        var offset = 0
        while offset + 16 <= head.count {
            if littleEndian(head, at: offset, count: 4) == 0xE852_50D6 {
                let sum = (0..<4).reduce(UInt32(0)) { $0 &+ UInt32(littleEndian(head, at: offset + 4 * $1, count: 4)) }
                if sum == 0 { return }
            }
            offset += 8
        }
        throw ToolError("\(kernel.path) has no Multiboot2 header in its first 32 KiB, so GRUB cannot boot it",
                        hint: "update Swiftlet: its virtio boot code carries one (Sources/Platforms/Virtio)")
    }

    static func littleEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        (0..<count).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
    }

    static func read(_ url: URL) throws(ToolError) -> [UInt8] {
        do { return Array(try Data(contentsOf: url)) } catch {
            throw ToolError("cannot read \(url.path): \(error.localizedDescription)")
        }
    }
}
