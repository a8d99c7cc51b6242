import SwiftletConfig

let text = Key.string("text", default: "", doc: "Text to print back.")
let number = Key.int("number", default: 0, doc: "A number to print back.")
let flag = Key.bool("flag", default: false, doc: "A flag to print back.")

register("arguments", main: "ArgumentsTest", keys: [text, number, flag])
