import SwiftletConfig

// The TCP port to serve HTTP on: `dist/static-site --port=9090`.
let port = Key.int("port", default: 8080, doc: "The TCP port on which to serve HTTP.")

// `.http()` is an HTTP/1.1 server on the stack chosen with --net (socket or direct, as for
// `.stack()`); `.keyValueReadOnly("site")` is the folder site/, passed as `kv`, in the store
// chosen with --kv_ro:
//   crunch (default): site/ is baked into the image by swiftlet build
//   direct (unix):    site/ is read from the host's file system as it is at run time
//   tar, fat:         swiftlet build makes dist/kv.tar or dist/kv.img, attached as block device kv
register("static-site", main: "StaticSite", devices: [.http(), .keyValueReadOnly("site")], keys: [port],
         packages: ["SwiftletHTTP"])
