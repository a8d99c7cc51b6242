import SwiftletConfig

register("stack-protector", main: "StackProtectorTest")
