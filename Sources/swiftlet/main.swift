import Foundation
import SwiftletTool

exit(Tool().main(Array(CommandLine.arguments.dropFirst())))
