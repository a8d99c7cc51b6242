import SwiftletConfig

register("block", main: "BlockTest", devices: [.block("storage")])
