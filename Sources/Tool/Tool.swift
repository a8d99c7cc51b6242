public enum SwiftletTool {}
