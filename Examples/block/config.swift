import SwiftletConfig

// One block device, named `storage` as in MirageOS's tutorial. On unix it is a file given at
// run time (`dist/block --block:storage=disk.img`); on spt and hvt the tender attaches it
// (`swiftlet-spt --block:storage=disk.img dist/block.spt`).
register("block", main: "BlockTest", devices: [.block("storage")])
