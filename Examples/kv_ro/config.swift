import SwiftletConfig

// `.keyValueReadOnly("t")` is a read-only key-value store holding the folder t/, passed to the
// application as `kv`. Its kind is chosen at configure time with --kv_ro:
//   crunch (default): t/ is baked into the image by swiftlet build
//   direct (unix):    t/ is read from the host's file system as it is at run time
//   tar, fat:         swiftlet build makes dist/kv.tar or dist/kv.img, attached as block device kv
register("kv_ro", main: "KeyValueReader", devices: [.keyValueReadOnly("t")])
