import SwiftletConfig

// The TCP port to serve HTTP on: `dist/website --port=9090`.
let port = Key.int("port", default: 8080, doc: "The TCP port on which to serve HTTP.")
// HTTPS: `dist/website --tls=true --https-port=8443 --hostname=example.org`. The certificate
// and key are tls/certificate.pem and tls/key.pem of the store below; without them the website
// makes a self-signed certificate for --hostname at start. The HTTP port then redirects.
let tls = Key.bool("tls", default: false, doc: "Serve HTTPS (TLS 1.3), and redirect HTTP to it.")
let httpsPort = Key.int("https-port", default: 443, doc: "The TCP port on which to serve HTTPS (with --tls=true).")
let hostname = Key.string("hostname", default: "localhost", doc: "The name the HTTPS certificate is for, and redirects go to.")

// `.http()` is an HTTP/1.1 server on a TCP/IP stack: the host's sockets or Swiftlet's own,
// chosen with `swiftlet configure --net socket|direct` exactly as for `.stack()` (unix defaults
// to socket; spt, hvt and virtio have only direct, set up with --ipv4 or --dhcp). `.https()` is
// the same over TLS; declared with `.stack()`, all three share one stack.
register("website", main: "Website",
         devices: [.stack(), .http(), .https(), .keyValueReadOnly("tls", label: "certificates"), .wallClock],
         keys: [port, tls, httpsPort, hostname], packages: ["SwiftletHTTP", "SwiftletTLS"])
