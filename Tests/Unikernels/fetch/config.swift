import SwiftletConfig

let url = Key.string("url", default: "http://example.com/", doc: "The URL to fetch; its host is looked up with the dns device.")

// A stack, a resolver on it and the HTTP client over both: what a unikernel needs to fetch a
// page by name (Tests/Network/system-test's dns-fetch scenario).
register("fetch", main: "Fetch", devices: [.time, .stack(), .dns()], keys: [url], packages: ["SwiftletDNS", "SwiftletHTTP"])
