import Foundation
import Testing
import SwiftletRuntime
@testable import SwiftletTool

/// `swiftlet mkimage`: the raw disk (MBR, GRUB, FAT partition), the Compute Engine tarball and
/// the qcow2, checked with the host's tools (mtools, GNU tar, qemu-img), and the disk booted
/// by SeaBIOS and GRUB in QEMU: first with a minimal Multiboot2 kernel that prints its command
/// line, then with Examples/hello built for virtio.
@Suite struct MakeImageTests {
    // MARK: Tools

    static func path(of tool: String) -> String? {
        ["/usr/bin", "/usr/sbin", "/bin", "/sbin"].map { $0 + "/" + tool }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Names the missing tools and prints why the test is skipped.
    static func available(_ tools: [String], for test: String) -> Bool {
        var missing = tools.filter { path(of: $0) == nil }
        if !FileManager.default.fileExists(atPath: "/usr/lib/grub/i386-pc/boot.img") { missing.append("/usr/lib/grub/i386-pc") }
        if !missing.isEmpty {
            print("MakeImageTests.\(test) skipped: \(missing.joined(separator: ", ")) not installed "
                  + "(apt-get install grub-pc-bin qemu-utils qemu-system-x86 mtools)")
        }
        return missing.isEmpty
    }

    static let imageTools = ["grub-mkimage", "qemu-img", "mdir", "mtype", "tar", "gzip"]
    static let bootTools = imageTools + ["qemu-system-x86_64"]

    static func scratch(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-mkimage-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A minimal Multiboot2 kernel (32-bit ELF at 1 MiB): prints `cmdline=[...]` on COM1 with
    /// the command line GRUB gave it, then ends QEMU through isa-debug-exit with status 3
    /// (QEMU exits with 7).
    static func minimalKernel(in folder: URL, name: String = "tiny.virtio") throws -> URL {
        let source = folder.appendingPathComponent("kernel.S"), script = folder.appendingPathComponent("kernel.ld")
        let object = folder.appendingPathComponent("kernel.o"), kernel = folder.appendingPathComponent(name)
        try """
                .section .multiboot2, "a"
                .align 8
        header: .long 0xE85250D6, 0, header_end - header, -(0xE85250D6 + (header_end - header))
                .short 0, 0
                .long 8
        header_end:
                .text
                .code32
                .globl _start
        _start: mov $banner, %esi
                call print
                lea 8(%ebx), %edi
        next:   mov (%edi), %eax
                test %eax, %eax
                jz done
                cmp $1, %eax
                je found
                mov 4(%edi), %ecx
                add $7, %ecx
                and $-8, %ecx
                add %ecx, %edi
                jmp next
        found:  lea 8(%edi), %esi
                call print
        done:   mov $tail, %esi
                call print
                mov $0xf4, %dx
                mov $3, %eax
                outl %eax, %dx
                hlt
        print:  mov $0x3f8, %dx
        1:      lodsb
                test %al, %al
                jz 2f
                outb %al, %dx
                jmp 1b
        2:      ret
                .section .rodata
        banner: .asciz "cmdline=["
        tail:   .asciz "]\\n"

        """.write(to: source, atomically: true, encoding: .utf8)
        try """
        ENTRY(_start)
        SECTIONS { . = 0x100000; .text : { KEEP(*(.multiboot2)) *(.text) } .rodata : { *(.rodata) } }

        """.write(to: script, atomically: true, encoding: .utf8)
        let bin = URL(fileURLWithPath: try Shell.swiftc()).deletingLastPathComponent()
        let compile = try Support.run(bin.appendingPathComponent("clang").path,
                                      ["--target=i386-unknown-none-elf", "-c", source.path, "-o", object.path], timeout: 60)
        try #require(compile.status == 0, "\(compile.stderr)")
        let link = try Support.run(bin.appendingPathComponent("ld.lld").path,
                                   ["-m", "elf_i386", "-T", script.path, "-o", kernel.path, object.path], timeout: 60)
        try #require(link.status == 0, "\(link.stderr)")
        return kernel
    }

    static let arguments = ["--hello=Bonjour", "two words", #"it's "quoted" \back"#, "$HOME;`x`"]

    /// Makes every format of the minimal kernel, in `folder/dist`.
    static func makeMinimal(in folder: URL, formats: [ImageFormat] = ImageFormat.allCases,
                            devices: [Solo5Manifest.Entry] = []) throws -> DiskImages.Made {
        let kernel = try minimalKernel(in: folder)
        let request = try DiskImages.Request(name: "tiny", runtimeArguments: arguments, formats: formats, devices: devices)
        return try DiskImages.make(request, kernel: kernel, tools: try DiskImages.Tools.locate(for: formats),
                                   dist: folder.appendingPathComponent("dist"), work: folder.appendingPathComponent("work"))
    }

    /// Runs QEMU on a disk with a time limit (Support.run kills it when the time is up).
    static func boot(disk: URL, timeout: Double = 120) throws -> Support.Result {
        try Support.run(path(of: "qemu-system-x86_64")!,
                        ["-M", "q35", "-m", "128M", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
                         "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-drive", "file=\(disk.path),format=raw"],
                        timeout: timeout)
    }

    static func mtools(_ tool: String, _ arguments: [String]) throws -> Support.Result {
        try Support.run("/usr/bin/env", ["MTOOLS_SKIP_CHECK=1", "LC_ALL=C.UTF-8", path(of: tool) ?? tool] + arguments, timeout: 60)
    }

    // MARK: The images

    @Test func rawDiskHasAnMBRAndABootableFATPartitionWithGRUBAndTheKernel() throws {
        guard Self.available(Self.imageTools, for: "rawDisk") else { return }
        let folder = try Self.scratch("raw")
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try Self.makeMinimal(in: folder, formats: [.raw])
        let image = folder.appendingPathComponent("dist/tiny.img")
        #expect(made.files.map(\.url) == [image])
        let bytes = [UInt8](try Data(contentsOf: image))
        #expect(bytes.count % (1 << 20) == 0 && bytes.count > 2 << 20, "\(bytes.count) bytes")
        #expect(bytes[510] == 0x55 && bytes[511] == 0xAA)
        // boot.img's code, unchanged: it loads sector 1 (its kernel_sector field, 0x5C).
        let bootImage = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/usr/lib/grub/i386-pc/boot.img")))
        #expect(Array(bytes[0..<440]) == Array(bootImage[0..<440]))
        #expect(GRUB.littleEndian(bytes, at: 0x5C, count: 8) == 1)
        // One partition: active, FAT (LBA), from sector 2048; the other three entries empty.
        let entry = Array(bytes[446..<462])
        #expect(entry[0] == 0x80)
        #expect([0x0C, 0x0E].contains(entry[4]), "type \(entry[4])")
        #expect(GRUB.littleEndian(entry, at: 8, count: 4) == 2048)
        let sectors = Int(GRUB.littleEndian(entry, at: 12, count: 4))
        #expect((2048 + sectors) * 512 <= bytes.count)
        #expect(bytes[462..<510].allSatisfy { $0 == 0 })
        // core.img from sector 1: diskboot.img's block list reads the rest from sector 2.
        #expect(GRUB.littleEndian(bytes, at: 512 + 500, count: 8) == 2)
        // The partition's boot sector says how many sectors precede it.
        #expect(GRUB.littleEndian(bytes, at: 2048 * 512 + 28, count: 4) == 2048)
        #expect(bytes[2048 * 512 + 510] == 0x55 && bytes[2048 * 512 + 511] == 0xAA)

        let listing = try Self.mtools("mdir", ["-i", "\(image.path)@@1M", "::/boot"])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains("tiny.virtio") && listing.stdout.contains("grub"), "\(listing.stdout)")
        let kernelCopy = folder.appendingPathComponent("copied.virtio")
        let copy = try Self.mtools("mcopy", ["-i", "\(image.path)@@1M", "::/boot/tiny.virtio", kernelCopy.path])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(try Data(contentsOf: kernelCopy) == Data(contentsOf: folder.appendingPathComponent("tiny.virtio")))
        let configuration = try Self.mtools("mtype", ["-i", "\(image.path)@@1M", "::/boot/grub/grub.cfg"])
        #expect(configuration.status == 0, "\(configuration.stderr)")
        for line in ["serial --unit=0 --speed=115200", "terminal_input serial", "terminal_output serial", "set timeout=0",
                     #"multiboot2 /boot/tiny.virtio '--hello=Bonjour' 'two words' 'it'\''s "quoted" \back' '$HOME;`x`'"#, "boot"] {
            #expect(configuration.stdout.contains(line), "no \(line) in\n\(configuration.stdout)")
        }
        if let fsck = Self.path(of: "fsck.fat") {
            let volume = folder.appendingPathComponent("volume.img")
            try Data(bytes[(2048 * 512)..<((2048 + sectors) * 512)]).write(to: volume)
            let check = try Support.run(fsck, ["-n", volume.path], timeout: 60)
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        }
    }

    @Test func gceTarballHoldsOnlyDiskRawPaddedToWholeGiB() throws {
        guard Self.available(Self.imageTools, for: "gceTarball") else { return }
        let folder = try Self.scratch("gce")
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try Self.makeMinimal(in: folder, formats: [.raw, .gce])
        let tarball = folder.appendingPathComponent("dist/tiny.tar.gz")
        #expect(made.files.map(\.url).contains(tarball))
        let listing = try Support.run(Self.path(of: "tar")!, ["-tvzf", tarball.path], timeout: 60)
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.lines
        #expect(lines.count == 1, "\(lines)")
        let fields = lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init) ?? []
        #expect(fields.last == "disk.raw", "\(fields)")
        let size = fields.count > 2 ? UInt64(fields[2]) ?? 0 : 0
        #expect(size > 0 && size % (1 << 30) == 0, "disk.raw is \(size) bytes")
        // Small (sparse), and GNU tar extracts the disk's bytes followed by zeros.
        let tarballSize = try FileManager.default.attributesOfItem(atPath: tarball.path)[.size] as? Int ?? 0
        #expect(tarballSize < 16 << 20, "\(tarballSize) bytes")
        let extracted = folder.appendingPathComponent("extracted")
        try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
        let extract = try Support.run(Self.path(of: "tar")!, ["-xzf", tarball.path, "-C", extracted.path], timeout: 120)
        #expect(extract.status == 0, "\(extract.stderr)")
        let raw = try Data(contentsOf: folder.appendingPathComponent("dist/tiny.img"))
        let disk = extracted.appendingPathComponent("disk.raw")
        #expect((try FileManager.default.attributesOfItem(atPath: disk.path)[.size] as? UInt64) == size)
        let handle = try FileHandle(forReadingFrom: disk)
        defer { try? handle.close() }
        #expect(try handle.read(upToCount: raw.count) == raw)
        let after = try handle.read(upToCount: 1 << 20) ?? Data()
        #expect(after.count == 1 << 20 && after.allSatisfy { $0 == 0 })
    }

    @Test func qcow2IsRecognisedByQemuImg() throws {
        guard Self.available(Self.imageTools, for: "qcow2") else { return }
        let folder = try Self.scratch("qcow2")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Without raw among the formats, the raw disk is made aside and not left in dist/.
        let made = try Self.makeMinimal(in: folder, formats: [.qcow2])
        let qcow2 = folder.appendingPathComponent("dist/tiny.qcow2")
        #expect(made.files.map(\.url) == [qcow2])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("dist/tiny.img").path))
        let info = try Support.run(Self.path(of: "qemu-img")!, ["info", "--output=json", qcow2.path], timeout: 60)
        #expect(info.status == 0, "\(info.stderr)")
        let json = try JSONSerialization.jsonObject(with: info.stdoutBytes) as? [String: Any]
        #expect(json?["format"] as? String == "qcow2")
        #expect((json?["virtual-size"] as? Int).map { $0 == Int(made.diskBytes) } == true, "\(json ?? [:])")
    }

    @Test func firecrackerConfigurationAndCommandsCarryTheArguments() throws {
        guard Self.available(Self.imageTools, for: "commands") else { return }
        let folder = try Self.scratch("commands")
        defer { try? FileManager.default.removeItem(at: folder) }
        let devices = [Solo5Manifest.Entry(name: "storage", type: .block), Solo5Manifest.Entry(name: "service", type: .network)]
        let kernel = try Self.minimalKernel(in: folder)
        let request = try DiskImages.Request(name: "tiny", runtimeArguments: Self.arguments + ["--block:storage=/tmp/disk,1.img"],
                                             formats: [.raw, .gce], devices: devices)
        let made = try DiskImages.make(request, kernel: kernel, tools: try DiskImages.Tools.locate(for: [.raw, .gce]),
                                       dist: folder.appendingPathComponent("dist"), work: folder.appendingPathComponent("work"))
        let grubForm = #"--hello=Bonjour "two words" "it\'s \"quoted\" \\back" $HOME;`x`"#
        #expect(request.kernelArguments.grubText == grubForm)
        // The runtime splits GRUB's form and the form given to the other loaders into the same words.
        #expect(splitCommandLine(grubForm) == Self.arguments)
        let expected = request.kernelArguments.kernelText
        #expect(splitCommandLine(expected) == Self.arguments)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: made.firecrackerConfiguration)) as? [String: Any]
        let boot = json?["boot-source"] as? [String: Any]
        #expect(boot?["boot_args"] as? String == expected)
        #expect(boot?["kernel_image_path"] as? String == kernel.standardizedFileURL.path)
        let drives = json?["drives"] as? [[String: Any]]
        #expect(drives?.first?["path_on_host"] as? String == "/tmp/disk,1.img")
        #expect((json?["network-interfaces"] as? [[String: Any]])?.first?["host_dev_name"] as? String == "tap0")

        let text = made.report(kernel: kernel)
        #expect(text.contains("-drive file=\(made.files[0].url.path),format=raw"), "\(text)")
        #expect(text.contains("-drive file=/tmp/disk,,1.img,if=none,format=raw,id=disk0 -device virtio-blk-pci,drive=disk0"), "\(text)")
        #expect(text.contains("-netdev tap,id=net1,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=net1"), "\(text)")
        #expect(text.contains("-M microvm,acpi=off -m 128M -nodefaults -no-user-config"), "\(text)")
        #expect(text.contains("-global virtio-mmio.force-legacy=false -kernel \(kernel.path)"), "\(text)")
        #expect(text.contains("-device virtio-blk-device,drive=disk0"), "\(text)")
        #expect(text.contains("-append " + KernelCommandLine.singleQuoted(expected)), "\(text)")
        #expect(text.contains("firecracker --no-api --config-file \(made.firecrackerConfiguration.path)"), "\(text)")
        #expect(text.contains("cloud-hypervisor --kernel \(kernel.path) --cmdline " + KernelCommandLine.singleQuoted(expected)), "\(text)")
        #expect(text.contains("--serial tty --console off --disk path=/tmp/disk,1.img --net tap=tap0"), "\(text)")
        #expect(text.contains("gcloud compute images create tiny --source-uri gs://BUCKET/tiny.tar.gz"), "\(text)")
        #expect(text.contains("gcloud compute instances create tiny --image tiny"), "\(text)")
        #expect(text.contains("--metadata serial-port-enable=1"), "\(text)")
        #expect(text.contains("gcloud compute connect-to-serial-port tiny"), "\(text)")
    }

    // MARK: Booting

    @Test func grubBootsTheDiskAndPassesTheArguments() throws {
        guard Self.available(Self.bootTools, for: "grubBoots") else { return }
        let folder = try Self.scratch("boot")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.makeMinimal(in: folder, formats: [.raw])
        let run = try Self.boot(disk: folder.appendingPathComponent("dist/tiny.img"))
        #expect(run.status == 7, "QEMU exit \(run.status)\n\(run.stdout)\(run.stderr)")
        // The words arrive as GRUB rebuilds them: quoted when they hold spaces, \ ' " escaped.
        let expected = #"cmdline=[--hello=Bonjour "two words" "it\'s \"quoted\" \\back" $HOME;`x`]"#
        #expect(run.stdout.contains(expected), "\(run.stdout)")
    }

    /// The tutorial's flow: the hello-key example configured for virtio, `swiftlet mkimage`
    /// with a greeting, and the disk booted with no `-kernel`: SeaBIOS, GRUB, the unikernel.
    @Test func helloKeyDiskBootsInQEMUWithTheArgumentsGivenToMkimage() throws {
        guard Self.available(Self.bootTools, for: "helloKeyDiskBoots") else { return }
        let folder = try Support.copy("Examples/hello-key")
        defer { Support.remove(folder) }
        let configure = try Support.swiftlet(["configure", "-t", "virtio"], in: folder)
        try #require(configure.status == 0, "\(configure.stderr)")
        let made = try Support.swiftlet(["mkimage", "--", "--hello=Bonjour tout le monde"], in: folder, timeout: 600)
        try #require(made.status == 0, "\(made.stderr)")
        for file in ["dist/hello-key.img", "dist/hello-key.tar.gz", "dist/hello-key.qcow2", "dist/hello-key.firecracker.json"] {
            #expect(made.stdout.contains(file), "\(made.stdout)")
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "no \(file)")
        }
        #expect(made.stdout.contains("-drive file=dist/hello-key.img,format=raw"), "\(made.stdout)")
        let run = try Self.boot(disk: folder.appendingPathComponent("dist/hello-key.img"))
        #expect(run.status == 0, "QEMU exit \(run.status)\n\(run.stdout)\(run.stderr)")
        let greetings = run.stdout.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { ExampleTests.isLogLine($0, message: "Bonjour tout le monde") }
        #expect(greetings.count == 4, "\(run.stdout)")
    }

    // MARK: Bad input

    @Test func kernelWithoutAMultiboot2HeaderIsRefused() throws {
        guard Self.available(Self.imageTools, for: "noHeader") else { return }
        let folder = try Self.scratch("noheader")
        defer { try? FileManager.default.removeItem(at: folder) }
        let kernel = folder.appendingPathComponent("plain.virtio")
        try Data([0x7F, 0x45, 0x4C, 0x46] + [UInt8](repeating: 0, count: 4096)).write(to: kernel)
        let request = try DiskImages.Request(name: "plain", runtimeArguments: [], formats: [.raw], devices: [])
        #expect(throws: ToolError.self) {
            _ = try DiskImages.make(request, kernel: kernel, tools: try DiskImages.Tools.locate(for: [.raw]),
                                    dist: folder.appendingPathComponent("dist"), work: folder.appendingPathComponent("work"))
        }
        do {
            _ = try DiskImages.make(request, kernel: kernel, tools: try DiskImages.Tools.locate(for: [.raw]),
                                    dist: folder.appendingPathComponent("dist"), work: folder.appendingPathComponent("work"))
        } catch {
            #expect(error.message.contains("no Multiboot2 header"), "\(error)")
        }
    }

    @Test func missingGRUBSaysWhatToInstall() {
        #expect(throws: ToolError("GRUB for BIOS is not installed: /nonexistent/grub has no boot.img, diskboot.img, kernel.img, moddep.lst",
                                  hint: "install the Debian packages: apt-get install grub-pc-bin qemu-utils")) {
            _ = try GRUB.locate(directory: URL(fileURLWithPath: "/nonexistent/grub"))
        }
    }

    @Test func formatsAndArgumentsAreParsed() throws {
        let all = try Invocation.parse(["mkimage"], currentDirectory: "/tmp")
        #expect(all.command == .mkimage([.raw, .gce, .qcow2]))
        let some = try Invocation.parse(["mkimage", "--format", "qcow2,raw", "--", "--hello=Bonjour", "-l", "*:debug"], currentDirectory: "/tmp")
        #expect(some.command == .mkimage([.raw, .qcow2]))
        #expect(some.runtimeArguments == ["--hello=Bonjour", "-l", "*:debug"])
        #expect(try Invocation.parse(["-C", "x", "mkimage", "--format=gce"], currentDirectory: "/tmp").command == .mkimage([.gce]))
        #expect(throws: ToolError.usage("unknown image format 'zip'",
                                        hint: "give one or more of raw,gce,qcow2, separated by commas: swiftlet mkimage --format raw,qcow2")) {
            _ = try Invocation.parse(["mkimage", "--format", "raw,zip"], currentDirectory: "/tmp")
        }
        #expect(throws: ToolError.self) { _ = try Invocation.parse(["mkimage", "--format"], currentDirectory: "/tmp") }
        #expect(throws: ToolError.self) { _ = try Invocation.parse(["mkimage", "-t", "virtio"], currentDirectory: "/tmp") }
        #expect(throws: ToolError.self) { _ = try KernelCommandLine(["--hello=a\nb"]) }
        #expect(throws: ToolError.self) { _ = try KernelCommandLine([""]) }
        #expect(throws: ToolError.self) { _ = try KernelCommandLine([#"a\x41"#]) }
        #expect(throws: ToolError.self) { _ = try KernelCommandLine(["--virtio:machine=q35"]) }
        #expect(try KernelCommandLine([#"\xyz b"#]).grubText == #""\\xyz b""#)
        #expect(KernelCommandLine.shellWord("--hello=Bonjour") == "--hello=Bonjour")
        #expect(KernelCommandLine.shellWord("*:debug") == "'*:debug'")
    }

    @Test func unikernelNotConfiguredForVirtioIsRefused() throws {
        let folder = try Support.copy("Examples/hello")
        defer { Support.remove(folder) }
        let unconfigured = try Support.swiftlet(["mkimage"], in: folder, timeout: 120)
        #expect(unconfigured.status == 1)
        #expect(unconfigured.stderr.contains("swiftlet configure -t virtio"), "\(unconfigured.stderr)")
        let configure = try Support.swiftlet(["configure", "-t", "unix"], in: folder, timeout: 120)
        try #require(configure.status == 0, "\(configure.stderr)")
        let unix = try Support.swiftlet(["mkimage"], in: folder, timeout: 120)
        #expect(unix.status == 1)
        #expect(unix.stderr.contains("hello is configured for unix"), "\(unix.stderr)")
        #expect(unix.stderr.contains("swiftlet configure -t virtio"), "\(unix.stderr)")
        let help = try Support.swiftlet(["help", "mkimage"], in: folder, timeout: 60)
        #expect(help.status == 0 && help.stdout.contains("usage: swiftlet mkimage"), "\(help.stderr)")
    }
}
