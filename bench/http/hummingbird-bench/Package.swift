// swift-tools-version: 6.0
//
// The Hummingbird 2 (SwiftNIO) row of bench/http: a minimal server answering the same routes
// as Examples/website with the same bytes. bench/http/run builds it in release mode into the
// scratch folder .build-bench-hummingbird beside this file (ignored by git).
import PackageDescription

let package = Package(
    name: "hummingbird-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "hummingbird-bench",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources"),
    ]
)
