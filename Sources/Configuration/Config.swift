public enum SwiftletConfigPlaceholder {}
