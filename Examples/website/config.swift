import SwiftletConfig

// The TCP port to serve HTTP on: `dist/website --port=9090`.
let port = Key.int("port", default: 8080, doc: "The TCP port on which to serve HTTP.")

// `.http()` is an HTTP/1.1 server on a TCP/IP stack: the host's sockets or Swiftlet's own,
// chosen with `swiftlet configure --net socket|direct` exactly as for `.stack()` (unix defaults
// to socket; spt, hvt and virtio have only direct, set up with --ipv4 or --dhcp).
register("website", main: "Website", devices: [.http()], keys: [port], packages: ["SwiftletHTTP"])
