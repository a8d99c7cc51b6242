// swift-tools-version: 6.0
//
// Swiftlet: a library operating system for unikernels in Swift.
//
// The folders under Sources/ are the layers of the architecture (docs/architecture.md):
//   Devices/            device protocols every application is written against
//   Runtime/            executor, logging, runtime keys, the platform interface
//   Network/            our TCP/IP stack: wire formats, interface, TCP, DHCP, link devices
//   Storage/            block helpers and key-value stores: crunch, tar, FAT, the writable log store
//   HTTP/               the HTTP/1.1 server, router, middleware and static files
//   Platforms/<target>/ one binding of the platform interface per target
//   Configuration/      the vocabulary of a unikernel's config.swift
//   Platforms/Solo5/    the spt/hvt bindings (built by the tool only) and the Solo5 ABI
//   Tenders/            swiftlet-spt (and swiftlet-hvt): run Solo5 unikernels (built by the tool)
//   Tool/, swiftlet/    the `swiftlet` command
// Everything in Devices/, Runtime/, Network/, Storage/ and HTTP/ must also compile as Embedded Swift;
// `swift test` checks that (Tests/ToolTests/EmbeddedBuildTests.swift).
import PackageDescription

let package = Package(
    name: "Swiftlet",
    products: [
        .library(name: "SwiftletDevices", targets: ["SwiftletDevices"]),
        .library(name: "SwiftletRuntime", targets: ["SwiftletRuntime"]),
        .library(name: "SwiftletNet", targets: ["SwiftletNet"]),
        .library(name: "SwiftletStorage", targets: ["SwiftletStorage"]),
        .library(name: "SwiftletHTTP", targets: ["SwiftletHTTP"]),
        .library(name: "SwiftletCrypto", targets: ["SwiftletCrypto"]),
        .library(name: "SwiftletX509", targets: ["SwiftletX509"]),
        .library(name: "SwiftletTLS", targets: ["SwiftletTLS"]),
        .library(name: "SwiftletUnix", targets: ["SwiftletUnix"]),
        .library(name: "SwiftletConfig", targets: ["SwiftletConfig"]),
        .executable(name: "swiftlet", targets: ["swiftlet"]),
    ],
    targets: [
        .target(name: "SwiftletDevices", path: "Sources/Devices"),
        .target(name: "SwiftletRuntime", dependencies: ["SwiftletDevices"], path: "Sources/Runtime"),
        .target(name: "SwiftletNet", dependencies: ["SwiftletDevices", "SwiftletRuntime"], path: "Sources/Network"),
        .target(name: "SwiftletStorage", dependencies: ["SwiftletDevices", "SwiftletRuntime"], path: "Sources/Storage"),
        .target(name: "SwiftletHTTP", dependencies: ["SwiftletDevices", "SwiftletRuntime"], path: "Sources/HTTP"),
        // BearSSL (the system's libbearssl-dev, linked statically) and the Swift API over it.
        .target(name: "CBearSSL", path: "Sources/Crypto/BearSSL", linkerSettings: [.linkedLibrary(":libbearssl.a")]),
        .target(name: "SwiftletCrypto", dependencies: ["SwiftletDevices", "SwiftletRuntime", "CBearSSL"], path: "Sources/Crypto", exclude: ["BearSSL", "README.md"]),
        .target(name: "SwiftletX509", dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletCrypto"], path: "Sources/X509"),
        .target(name: "SwiftletTLS", dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletCrypto", "SwiftletX509"], path: "Sources/TLS"),
        .target(
            name: "SwiftletUnix",
            dependencies: ["SwiftletDevices", "SwiftletRuntime", "CSwiftletUnix"],
            path: "Sources/Platforms/Unix/Binding"),
        .target(name: "CSwiftletUnix", path: "Sources/Platforms/Unix/CShim"),
        .target(name: "SwiftletConfig", path: "Sources/Configuration"),
        .target(name: "SwiftletTool", dependencies: ["SwiftletDevices", "SwiftletRuntime"], path: "Sources/Tool"),
        .executableTarget(name: "swiftlet", dependencies: ["SwiftletTool"], path: "Sources/swiftlet"),

        // The Solo5 ABI header, shared by the guest bindings and the tenders (Sources/Tenders),
        // which the swiftlet tool builds as Embedded Swift; compiled here for its layout checks.
        .target(name: "CSolo5ABI", path: "Sources/Platforms/Solo5/ABI"),

        .testTarget(
            name: "RuntimeTests",
            dependencies: ["SwiftletDevices", "SwiftletRuntime"],
            path: "Tests/RuntimeTests"),
        .testTarget(
            name: "NetworkTests",
            dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletNet"],
            path: "Tests/NetworkTests"),
        .testTarget(
            name: "StorageTests",
            dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletStorage"],
            path: "Tests/StorageTests"),
        .testTarget(
            name: "HTTPTests",
            dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletNet", "SwiftletHTTP"],
            path: "Tests/HTTPTests"),
        .testTarget(
            name: "X509Tests",
            dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletCrypto", "SwiftletX509"],
            path: "Tests/X509Tests"),
        .testTarget(
            name: "UnixPlatformTests",
            dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletNet", "SwiftletStorage", "SwiftletHTTP", "SwiftletUnix",
                           "SwiftletCrypto", "SwiftletTLS"],
            path: "Tests/UnixPlatformTests"),
        .testTarget(name: "CryptoTests", dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletCrypto", "CBearSSL"], path: "Tests/CryptoTests"),
        .testTarget(name: "TLSTests", dependencies: ["SwiftletDevices", "SwiftletRuntime", "SwiftletCrypto", "SwiftletTLS"], path: "Tests/TLSTests"),
        .testTarget(
            name: "ToolTests",
            dependencies: ["SwiftletTool", "SwiftletConfig", "SwiftletStorage", "swiftlet"],
            path: "Tests/ToolTests"),
    ],
    swiftLanguageModes: [.v5]
)
