import SwiftletConfig

// The TCP port to listen on: `dist/network --port=9090`.
let port = Key.int("port", default: 8080, doc: "The TCP port on which to listen for incoming connections.")

// `.stack()` is a TCP/IP stack: the host's sockets or Swiftlet's own, chosen with
// `swiftlet configure --net socket|direct` (unix defaults to socket; spt, hvt and virtio have only direct).
register("network", main: "Network", devices: [.stack()], keys: [port])
