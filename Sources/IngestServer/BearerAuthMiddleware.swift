import Crypto
import Foundation
import Hummingbird
import Logging
import IngestCore

/// Bearer tokens from the configuration's `server.tokens`: a `read` token may look, an `operate`
/// token may also submit, stop and requeue. Health probes pass without one; `/metrics` has its own
/// token (`server.metrics_token`). With no token configured every caller may operate (the server
/// then listens on loopback only). Browsers sign in once with `?token=` and then send the token as
/// the `ingest_token` cookie (`DashboardSession`), which is also checked against cross-site requests.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let tokens: [ServerSettings.Token]
    let logger: Logger
    /// Marks the dashboard's cookie `Secure`: the server speaks TLS.
    var secureCookies = false

    /// Paths anyone may read: probes (Kubernetes sends no token), `/metrics` (checked by its own
    /// route), the API document, and the dashboard's static files.
    static func isPublic(_ path: String) -> Bool {
        path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/openapi.json" || path.hasPrefix("/static/")
    }

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        var context = context
        let authority = request.headers[.host] ?? request.head.authority
        if tokens.isEmpty && !IngestServer.isLoopbackAuthority(authority) {
            // Without tokens anyone who reaches the port may operate, which only loopback can. A web
            // page whose own name an attacker points at 127.0.0.1 (DNS rebinding) reaches it too, but
            // its requests carry that name in Host.
            throw Problem(.forbidden, "this server has no server.tokens and answers only to loopback names (localhost, 127.0.0.1, [::1]), not \(authority ?? ""); open it by one of those, or configure server.tokens")
        }
        if request.method == .get || request.method == .head, Dashboard.prefersHTML(request),
            let token = request.uri.queryParameters.get(DashboardSession.tokenParameter)
        {
            guard let response = DashboardSession.exchange(String(token), request: request, tokens: tokens, secure: secureCookies) else {
                logger.notice("refused a request with an unknown token", metadata: ["path": "\(request.uri.path)"])
                return DashboardPage.signIn(request, refused: true)
            }
            return response
        }
        let header = Self.bearerToken(request)
        let cookie = header == nil ? DashboardSession.cookieToken(request) : nil
        if DashboardSession.isUnsafe(request.method) {
            try DashboardSession.checkSameOrigin(request, cookieAuthenticated: cookie != nil)
        }
        if tokens.isEmpty || Self.isPublic(request.uri.path) {
            context.role = .operate
            return try await next(request, context)
        }
        guard let presented = header ?? cookie else {
            if Dashboard.prefersHTML(request) { return DashboardPage.signIn(request) }
            throw Problem(.unauthorized, "this server needs a bearer token: send `Authorization: Bearer TOKEN` with a token of server.tokens")
        }
        guard let token = Self.match(presented, in: tokens) else {
            logger.notice("refused a request with an unknown token", metadata: ["path": "\(request.uri.path)"])
            if cookie != nil && Dashboard.prefersHTML(request) { return DashboardPage.signIn(request) }
            throw Problem(.unauthorized, "the bearer token is not one of server.tokens; check the token you sent")
        }
        let needed: ServerSettings.Role = request.method == .get || request.method == .head ? .read : .operate
        if needed == .operate && token.role != .operate {
            throw Problem(.forbidden, "token '\(token.name)' has the read role; \(request.method) \(request.uri.path) needs a token with role operate")
        }
        context.role = token.role
        return try await next(request, context)
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// Compares digests of every token in full, so that the time taken says nothing about how
    /// much of a token an attacker guessed right.
    static func match(_ presented: String, in tokens: [ServerSettings.Token]) -> ServerSettings.Token? {
        let digest = Data(SHA256.hash(data: Data(presented.utf8)))
        var found: ServerSettings.Token?
        for token in tokens {
            let expected = Data(SHA256.hash(data: Data(token.secret.utf8)))
            var difference: UInt8 = 0
            for (a, b) in zip(digest, expected) { difference |= a ^ b }
            if difference == 0 && found == nil { found = token }
        }
        return found
    }
}
