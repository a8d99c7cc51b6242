import SwiftletACME
import SwiftletHTTP
import Testing

/// The responder as the website's port-80 router serves it.
@Suite struct HTTP01ResponderTests {
    func get(_ router: Router, _ target: String, method: HTTPMethod = .get) async throws -> (Int, [UInt8], String?) {
        let response = try await router.route(HTTPRequest(method: method, target: target))
        guard case .bytes(let body) = response.body else { return (response.status.code, [], nil) }
        return (response.status.code, body, response.headers["Content-Type"])
    }

    @Test func servesPublishedTokensOnly() async throws {
        let responder = HTTP01Responder()
        let router = Router()
        responder.install(on: router)
        router.get("/") { _ in .text("home") }
        responder.publish(token: "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0", keyAuthorization: "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI")
        let (status, body, type) = try await get(router, "/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0")
        #expect(status == 200)
        #expect(body == Array("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI".utf8))
        #expect(type == "application/octet-stream")
        #expect(responder.answered == 1)
        #expect(try await get(router, "/.well-known/acme-challenge/other").0 == 404)
        #expect(try await get(router, "/.well-known/acme-challenge/").0 == 404)
        #expect(try await get(router, "/").1 == Array("home".utf8))
        responder.withdraw(token: "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0")
        #expect(try await get(router, "/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0").0 == 404)
        #expect(responder.answered == 1)
        #expect(responder.tokens.isEmpty)
    }
}
