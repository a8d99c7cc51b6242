import SwiftletConfig

// The TCP port to serve HTTP on: `dist/website --port=9090`.
let port = Key.int("port", default: 8080, doc: "The TCP port on which to serve HTTP.")
// HTTPS: `dist/website --tls=true --https-port=8443 --hostname=example.org`. The certificate
// and key are tls/certificate.pem and tls/key.pem of the store below; without them the website
// makes a self-signed certificate for --hostname at start. The HTTP port then redirects.
let tls = Key.bool("tls", default: false, doc: "Serve HTTPS (TLS 1.3), and redirect HTTP to it.")
let httpsPort = Key.int("https-port", default: 443, doc: "The TCP port on which to serve HTTPS (with --tls=true).")
let hostname = Key.string("hostname", default: "localhost", doc: "The name the HTTPS certificate is for, and redirects go to.")
// Let's Encrypt (or any ACME CA): `dist/website --letsencrypt=true --hostname=example.org
// --email=admin@example.org --production=true`. Port --port answers the HTTP-01 challenge
// (it must be reachable as port 80 of --hostname) and redirects the rest to HTTPS. The CA's
// HTTPS listener is checked against the roots in --acme-ca-pem of the certificates store.
let letsencrypt = Key.bool("letsencrypt", default: false, doc: "Get the HTTPS certificate from an ACME CA (Let's Encrypt) and renew it.")
let email = Key.string("email", default: "", doc: "The ACME account's contact address (with --letsencrypt=true).")
let production = Key.bool("production", default: false, doc: "Let's Encrypt's production directory (false: its staging one).")
let acmeDirectory = Key.string("acme-directory", default: "", doc: "The directory URL of another ACME CA (overrides --production).")
let acmeCaPem = Key.string("acme-ca-pem", default: "acme-ca.pem",
                           doc: "The certificates store's PEM file with the roots the ACME CA's HTTPS listener is checked against.")
let accountSeed = Key.string("account-seed", default: "", doc: "A secret the ACME account key is derived from (empty: a new random key).")
let certSeed = Key.string("cert-seed", default: "", doc: "A secret the certificate key is derived from (empty: a new random key).")

// `.http()` is an HTTP/1.1 server on a TCP/IP stack: the host's sockets or Swiftlet's own,
// chosen with `swiftlet configure --net socket|direct` exactly as for `.stack()` (unix defaults
// to socket; spt, hvt and virtio have only direct, set up with --ipv4 or --dhcp). `.https()` is
// the same over TLS; declared with `.stack()`, all three share one stack.
register("website", main: "Website",
         devices: [.stack(), .http(), .https(), .dns(), .keyValueReadOnly("tls", label: "certificates"), .wallClock, .time],
         keys: [port, tls, httpsPort, hostname, letsencrypt, email, production, acmeDirectory, acmeCaPem, accountSeed, certSeed],
         packages: ["SwiftletHTTP", "SwiftletTLS", "SwiftletDNS", "SwiftletCrypto", "SwiftletX509", "SwiftletACME"])
