import SwiftletConfig

// A runtime key: `dist/hello-key --hello=Bonjour` changes the greeting, and
// `swiftlet configure --hello=Hola` changes its default.
let hello = Key.string("hello", default: "Hello World!", doc: "How to say hello.")

register("hello-key", main: "HelloKey", devices: [.time], keys: [hello])
