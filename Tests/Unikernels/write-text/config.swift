import SwiftletConfig

register("write-text", main: "WriteTextTest")
