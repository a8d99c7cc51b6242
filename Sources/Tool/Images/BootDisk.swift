import Foundation

/// The raw disk `swiftlet mkimage` makes: BIOS firmware runs the MBR's code (GRUB's boot.img),
/// which loads GRUB's core.img from sector 1; GRUB finds grub.cfg on the one partition, a FAT
/// volume from sector 2048 (1 MiB, where partitioning tools align it), and boots the kernel
/// from there as a Multiboot2 kernel.
///
/// ```
/// sector 0        MBR: boot.img's code, disk signature, partition table, 0x55AA
/// sector 1 ...    core.img (diskboot.img first), at most 2047 sectors
/// sector 2048 ... FAT16/FAT32 partition (type 0x0E/0x0C, active): /boot/grub/grub.cfg, /boot/NAME.virtio
/// ```
/// The disk ends at the partition's end rounded up to 1 MiB. No loop device, no root: the
/// FAT volume is written by ``FATWriter`` into a file and copied into place.
enum BootDisk {
    static let sectorSize = 512
    /// The partition's first sector.
    static let partitionStart = 2048

    /// Writes the disk to `output`: `kernel` as `/boot/KERNELNAME` booted with `arguments`;
    /// `work` is a scratch folder for the FAT volume and core.img.
    static func write(kernel: URL, title: String, arguments: KernelCommandLine, grub: GRUB,
                      work: URL, to output: URL) throws(ToolError) {
        let tree = work.appendingPathComponent("partition")
        let volume = work.appendingPathComponent("partition.fat")
        let coreURL = work.appendingPathComponent("core.img")
        do {
            try? FileManager.default.removeItem(at: tree)
            let boot = tree.appendingPathComponent("boot")
            try FileManager.default.createDirectory(at: boot.appendingPathComponent("grub"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: kernel, to: boot.appendingPathComponent(kernel.lastPathComponent))
            let configuration = GRUB.configuration(kernelPath: "/boot/" + kernel.lastPathComponent, title: title, arguments: arguments)
            try configuration.write(to: boot.appendingPathComponent("grub/grub.cfg"), atomically: true, encoding: .utf8)
        } catch {
            throw ToolError("cannot prepare the partition's files in \(tree.path): \(error.localizedDescription)")
        }
        try FATWriter.write(try DirectoryTree(scanning: tree), to: volume)
        var fat = try GRUB.read(volume)
        markHiddenSectors(&fat)

        try grub.makeCore(at: coreURL)
        let core = try GRUB.read(coreURL)
        let code = try grub.mbrCode()
        try GRUB.checkDefaults(mbrCode: code, core: core)
        guard core.count <= (partitionStart - 1) * sectorSize else {
            throw ToolError("GRUB's core.img (\(core.count) bytes) does not fit before the partition at 1 MiB")
        }

        let partitionSectors = (fat.count + sectorSize - 1) / sectorSize
        let mbr = masterBootRecord(code: code, partitionSectors: partitionSectors, isFAT32: isFAT32(fat),
                                   signature: signature(of: fat))
        let mebibyte = 1 << 20
        let diskBytes = (partitionStart + partitionSectors) * sectorSize
        let total = (diskBytes + mebibyte - 1) / mebibyte * mebibyte

        let partial = URL(fileURLWithPath: output.path + ".partial")
        try? FileManager.default.removeItem(at: partial)
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: partial) else {
            throw ToolError("cannot create \(partial.path)", hint: "check that its folder exists and is writable")
        }
        do {
            try handle.write(contentsOf: Data(mbr))
            try handle.write(contentsOf: Data(core))
            try handle.seek(toOffset: UInt64(partitionStart * sectorSize))
            try handle.write(contentsOf: Data(fat))
            try handle.truncate(atOffset: UInt64(total))
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw ToolError("cannot write \(partial.path): \(error.localizedDescription)")
        }
        try replace(output, with: partial)
    }

    /// Sector 0: the boot code, a disk signature, one active partition, the boot signature.
    static func masterBootRecord(code: [UInt8], partitionSectors: Int, isFAT32: Bool, signature: UInt32) -> [UInt8] {
        var sector = [UInt8](repeating: 0, count: sectorSize)
        sector.replaceSubrange(0..<440, with: code.prefix(440))
        put32(signature, into: &sector, at: 440)
        let entry = 446
        sector[entry] = 0x80  // active: the partition BIOS-era tools and GCE expect to boot
        sector.replaceSubrange((entry + 1)..<(entry + 4), with: chs(partitionStart))
        sector[entry + 4] = isFAT32 ? 0x0C : 0x0E  // FAT32 or FAT16, addressed by LBA
        sector.replaceSubrange((entry + 5)..<(entry + 8), with: chs(partitionStart + partitionSectors - 1))
        put32(UInt32(partitionStart), into: &sector, at: entry + 8)
        put32(UInt32(partitionSectors), into: &sector, at: entry + 12)
        sector[510] = 0x55
        sector[511] = 0xAA
        return sector
    }

    /// A sector's cylinder/head/sector address in the usual 255-head, 63-sector geometry, or
    /// the "beyond CHS" marker past 1024 cylinders (every loader here reads the LBA fields).
    static func chs(_ lba: Int) -> [UInt8] {
        let cylinder = lba / (255 * 63), head = (lba / 63) % 255, sector = lba % 63 + 1
        guard cylinder < 1024 else { return [0xFE, 0xFF, 0xFF] }
        return [UInt8(head), UInt8(sector) | UInt8((cylinder >> 2) & 0xC0), UInt8(cylinder & 0xFF)]
    }

    /// A FAT32 volume has no 16-bit table size (the BPB's sectors per FAT, offset 22, is 0).
    static func isFAT32(_ volume: [UInt8]) -> Bool {
        volume.count >= 24 && volume[22] == 0 && volume[23] == 0
    }

    /// Sets the BPB's hidden sectors (offset 28), the sectors before the volume on its disk, in
    /// the boot sector and, on FAT32, in its backup (sector 6): some FAT readers check it.
    static func markHiddenSectors(_ volume: inout [UInt8]) {
        var sectors = [0]
        if isFAT32(volume) { sectors.append(6) }
        for sector in sectors where (sector + 1) * sectorSize <= volume.count {
            put32(UInt32(partitionStart), into: &volume, at: sector * sectorSize + 28)
        }
    }

    /// A disk signature derived from the volume, so the same files give the same disk.
    static func signature(of volume: [UInt8]) -> UInt32 {
        var fingerprint = Fingerprint()
        fingerprint.add(volume.prefix(64 * 1024))
        return UInt32(truncatingIfNeeded: fingerprint.value)
    }

    static func put32(_ value: UInt32, into bytes: inout [UInt8], at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
