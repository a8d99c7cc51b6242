import SwiftletDevices
import SwiftletHTTP
import SwiftletRuntime

/// A static web site: every file of the folder site/ at its path, `index.html` for a folder,
/// `/about` redirected to `/about/`. The files come from a read-only key-value store, so the
/// same code serves a site baked into the image, a disk image, or (on unix) the folder itself.
struct StaticSite<Server: HTTPServing, Store: KeyValueStoreReadOnly> {
    let http: Server
    let kv: Store

    func start() async throws(NetError) {
        let files = StaticFiles(store: kv)
        let router = Router()
        router.get("/", files.handler)
        router.get("/*path", files.handler)
        router.use(Middleware.logging())
        router.use(Middleware.errorPages())
        try await http.serve(port: UInt16(truncatingIfNeeded: Keys.port), handler: router.handler)
    }
}
