// hummingbird-bench PORT PAGE-FILE
//
// Serves PAGE-FILE's bytes as `GET /` (text/html) and the word as `GET /echo/:word`
// (text/html), on 127.0.0.1:PORT, with one event loop and no request logging: the same work
// as Examples/website, for bench/http/run.
import Foundation
import Hummingbird
import NIOCore
import NIOPosix

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]), let page = FileManager.default.contents(atPath: arguments[2]) else {
    FileHandle.standardError.write(Data("usage: hummingbird-bench PORT PAGE-FILE\n".utf8))
    exit(2)
}
let pageBuffer = ByteBuffer(bytes: page)

let router = Router()
router.get("/") { _, _ in
    Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: pageBuffer))
}
router.get("/echo/:word") { _, context in
    let word = context.parameters.get("word") ?? ""
    return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: word)))
}

// One event loop, like nginx with one worker; the script also pins the process to one core.
let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "hummingbird"),
    eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: 1))
)
try await app.runService()
