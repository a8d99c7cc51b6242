import Foundation
import Testing

/// swiftlet-hvt, the KVM monitor, against a tiny SSE-free guest (Tests/Tenders/hvt-guest.c):
/// Swift guests need SSE, which KVM hosts that only emulate guests (kvm_pvm) cannot run.
/// Whether this machine has a /dev/kvm we may open.
let kvmUsable: Bool = {
    let descriptor = open("/dev/kvm", O_RDWR)
    if descriptor >= 0 { close(descriptor) }
    return descriptor >= 0
}()

@Suite(.enabled(if: kvmUsable, "no usable /dev/kvm here: swiftlet-hvt is not tested"))
struct HVTTenderTests {
    /// Builds the test guest: freestanding C, no SSE, linked with the Solo5 linker script.
    func buildGuest(badAccess: Bool = false, x87: Bool = false) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-hvt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bin = URL(fileURLWithPath: "/opt/swift/usr/bin")
        let clang = FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("clang").path)
            ? bin.appendingPathComponent("clang").path : "/usr/bin/clang"
        let object = directory.appendingPathComponent("guest.o"), image = directory.appendingPathComponent("guest.hvt")
        let compile = try Support.run(clang, ["--target=x86_64-unknown-linux-gnu", "-O2", "-ffreestanding", "-fno-pic",
            "-fno-stack-protector", "-mno-sse", "-mno-red-zone", "-I", Support.root.appendingPathComponent("Sources/Platforms/Solo5/ABI/include").path]
            + (badAccess ? ["-DBAD_ACCESS"] : []) + (x87 ? ["-DX87"] : [])
            + ["-c", Support.root.appendingPathComponent("Tests/Tenders/hvt-guest.c").path, "-o", object.path], timeout: 60)
        try #require(compile.status == 0, "\(compile.stderr)")
        let link = try Support.run(bin.appendingPathComponent("ld.lld").path, ["-nostdlib", "-static", "--no-pie",
            "-T", Support.root.appendingPathComponent("Sources/Platforms/Solo5/solo5.ld").path, object.path, "-o", image.path], timeout: 60)
        try #require(link.status == 0, "\(link.stderr)")
        return image
    }

    static let tender: String = {
        let result = try? Support.run(Support.swiftlet, ["tender", "hvt"], timeout: 600)
        guard let result, result.status == 0 else { fatalError("building swiftlet-hvt failed: \(result?.stderr ?? "")") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    @Test func bootsAGuestAndServesItsHypercalls() throws {
        let guest = try buildGuest()
        defer { try? FileManager.default.removeItem(at: guest.deletingLastPathComponent()) }
        let result = try Support.run(Self.tender, ["--mem=64", guest.path, "--", "hello", "world"], timeout: 60)
        #expect(result.stdout == "SUCCESS: hvt guest, command line: hello world\n", "\(result.stdout)\(result.stderr)")
        #expect(result.status == 7, "the guest's halt status is the tender's exit status")
    }

    /// x87 floating point (what hvt images use instead of SSE) runs: natively on hardware KVM,
    /// completed by the tender where KVM emulates its guests and cannot run it.
    @Test func runsX87FloatingPoint() throws {
        let guest = try buildGuest(x87: true)
        defer { try? FileManager.default.removeItem(at: guest.deletingLastPathComponent()) }
        let result = try Support.run(Self.tender, ["--mem=64", guest.path, "--", "x87"], timeout: 60)
        #expect(result.stdout == "x87: every check passed\nSUCCESS: hvt guest, command line: x87\n", "\(result.stdout)\(result.stderr)")
        #expect(result.status == 7)
    }

    @Test func refusesHypercallsOutsideGuestMemory() throws {
        let guest = try buildGuest(badAccess: true)
        defer { try? FileManager.default.removeItem(at: guest.deletingLastPathComponent()) }
        let result = try Support.run(Self.tender, ["--mem=64", guest.path], timeout: 60)
        #expect(result.status == 1)
        #expect(result.stderr.contains("swiftlet-hvt: invalid guest access: gpa=0x4001000"), "\(result.stderr)")
        #expect(!result.stdout.contains("FAILURE"))
    }

    @Test func refusesAnSptImage() throws {
        let folder = try Support.copy("Examples/noop")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["configure", "-t", "spt"], in: folder).status == 0)
        #expect(try Support.swiftlet(["build"], in: folder).status == 0)
        let result = try Support.run(Self.tender, [folder.appendingPathComponent("dist/noop.spt").path], timeout: 60)
        #expect(result.status == 1)
        #expect(result.stderr.contains("is built for another Solo5 target (spt), not hvt"))
    }
}

/// `swiftlet run -t hvt` starts the hvt tender (the matrix covers hvt unikernels in detail).
@Suite(.enabled(if: kvmUsable, "no usable /dev/kvm here: hvt unikernels are not tested"))
struct HVTUnikernelTests {
    @Test func runStartsTheHVTTender() throws {
        let folder = try Support.copy("Examples/noop")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["configure", "-t", "hvt"], in: folder).status == 0)
        let build = try Support.swiftlet(["build"], in: folder)
        try #require(build.status == 0, "\(build.stderr)")
        let result = try Support.run(Support.swiftlet, ["run"], in: folder, timeout: 120)
        #expect(result.stdout.contains("Swiftlet: memory map: 512 MB addressable:"), "\(result.stdout)\(result.stderr)")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
