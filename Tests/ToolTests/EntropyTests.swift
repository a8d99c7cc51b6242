import Foundation
import Testing

/// The `random` device on every target: bytes from Tests/Unikernels/random pass a chi-square
/// test of uniformity, and on virtio the same image on a CPU without RDRAND/RDSEED refuses to
/// start, saying what to add.
@Suite struct EntropyTests {
    /// The bytes between the unikernel's markers.
    static func bytes(in output: String) -> [UInt8]? {
        guard let begin = output.range(of: "BEGIN RANDOM\n"), let end = output.range(of: "END RANDOM") else { return nil }
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in output[begin.upperBound..<end.lowerBound].utf8 {
            guard let digit = UInt8(String(UnicodeScalar(character)), radix: 16) else { continue }
            if let first = high { bytes.append(first << 4 | digit); high = nil } else { high = digit }
        }
        return bytes
    }

    /// Pearson's chi-square over the 256 byte values (255 degrees of freedom: mean 255, standard
    /// deviation about 22.6).
    static func chiSquare(_ bytes: [UInt8]) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        for byte in bytes { counts[Int(byte)] += 1 }
        let expected = Double(bytes.count) / 256
        return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
    }

    @Test(arguments: ["unix", "spt", "hvt", "virtio"])
    func randomBytesLookUniform(target: String) throws {
        if target == "hvt" && !kvmUsable { print("EntropyTests on hvt: skipped, no usable /dev/kvm here"); return }
        if target == "virtio", let reason = Support.qemuSkipReason { print("EntropyTests on virtio: skipped, \(reason)"); return }
        let folder = try Support.copy("Tests/Unikernels/random")
        defer { Support.remove(folder) }
        #expect(try Support.swiftlet(["configure", "-t", target], in: folder).status == 0)
        let build = try Support.swiftlet(["build"], in: folder)
        try #require(build.status == 0, "\(build.stderr)")
        // hvt's console is a hypercall per line, which an emulating KVM makes slow (under 1 KiB/s
        // on this loaded machine): 4 KiB there, still 16 per byte value.
        let count = target == "hvt" ? 4096 : 1_048_576
        let arguments = ["--bytes=\(count)"]
        let image = folder.appendingPathComponent("dist/random" + (target == "unix" ? "" : ".\(target)")).path
        let result = switch target {
        case "unix": try Support.run(image, arguments, in: folder, timeout: 60)
        case "virtio": try Support.qemu(image, arguments: arguments, in: folder, timeout: 180)
        default: try Support.run(target == "spt" ? Support.swiftletSPT : HVTTenderTests.tender, [image, "--"] + arguments,
                                 in: folder, timeout: 300)
        }
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = try #require(EntropyTests.bytes(in: result.stdout), "no random bytes in: \(result.stdout.suffix(500))")
        #expect(bytes.count == count)
        let statistic = EntropyTests.chiSquare(bytes)
        // Far outside 255 ± 22.6 in either direction (p < 1e-5): biased bytes, or too regular.
        #expect(statistic > 160 && statistic < 370, "chi-square \(statistic) on \(target)")
        // No 64-byte line twice: the generator does not cycle or restart.
        let lines = result.stdout.split(separator: "\n").filter { $0.count == 128 }
        #expect(Set(lines).count == lines.count, "repeated lines on \(target)")
        print("EntropyTests: \(target): \(count) bytes, chi-square \(Int(statistic))")
        if target == "virtio" { try EntropyTests.expectRefusalWithoutEntropy(image: image, in: folder) }
    }

    /// The same image on a CPU without RDRAND and RDSEED (and no other source) refuses to
    /// start, saying what to add.
    static func expectRefusalWithoutEntropy(image: String, in folder: URL) throws {
        let result = try Support.qemu(image, arguments: ["--bytes=16"], extra: ["-cpu", "qemu64,-rdrand,-rdseed"],
                                      in: folder, timeout: 120)
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains(
            "this unikernel needs random numbers and has no entropy source; add a virtio-rng device (QEMU: -device virtio-rng-device"),
                "\(result.stdout)")
        #expect(!result.stdout.contains("BEGIN RANDOM"))
        // A virtio-rng device is a source on its own, on both transports.
        for (machine, device) in [("microvm,acpi=off", "virtio-rng-device"), ("q35", "virtio-rng-pci")] {
            let withDevice = try Support.qemu(image, machine: machine, arguments: ["--bytes=4096"],
                                              extra: ["-cpu", "qemu64,-rdrand,-rdseed", "-device", device], in: folder, timeout: 120)
            #expect(withDevice.status == 0, "\(withDevice.stdout)")
            #expect(withDevice.stdout.contains("virtio: entropy from virtio-rng"), "\(withDevice.stdout)")
            let bytes = EntropyTests.bytes(in: withDevice.stdout) ?? []
            #expect(bytes.count == 4096 && EntropyTests.chiSquare(bytes) > 160 && EntropyTests.chiSquare(bytes) < 370,
                    "\(machine): \(bytes.count) bytes, chi-square \(EntropyTests.chiSquare(bytes))")
        }
    }
}
