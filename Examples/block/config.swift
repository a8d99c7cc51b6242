import SwiftletConfig

// One block device, named `storage` as in MirageOS's tutorial, on the disk file `disk.img`
// that the configuration owns: `swiftlet configure` makes it (16 MiB of zeros) when it is
// missing, `dist/block` reads it by default and `swiftlet run` attaches it on every target
// (on spt and hvt through the tender: `swiftlet-spt --block:storage=disk.img dist/block.spt`),
// and `swiftlet clean` removes it.
register("block", main: "BlockTest", devices: [.block("storage", file: "disk.img")])
