import Foundation
import Hummingbird
import IngestCore

/// How a browser carries a bearer token: it cannot add an `Authorization` header to a link or a
/// form, so the dashboard is opened once with `?token=TOKEN`; the server answers with an HttpOnly,
/// SameSite=Strict cookie holding the token and a redirect to the same URL without it (so the
/// token leaves the address bar, the history and any later `Referer`). `BearerAuthMiddleware`
/// then takes the cookie as the bearer token.
///
/// A cookie is sent by the browser on its own, so a state-changing request carrying it must come
/// from a page of this server (cross-site request forgery): its `Origin` (or else `Referer`) must
/// name this host. Any request whose `Origin`, `Referer` or `Sec-Fetch-Site` says it comes from
/// another site is refused too, also without tokens configured (a loopback server is reachable
/// from every page the browser on that machine opens).
enum DashboardSession {
    static let cookieName = "ingest_token"
    static let tokenParameter = "token"

    /// Token characters kept as they are in the cookie; any other is percent-encoded, so that
    /// every token of the configuration makes a valid cookie value.
    private static let cookieSafe = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The token a request's cookie carries, if any.
    static func cookieToken(_ request: Request) -> String? {
        guard let value = request.cookies[cookieName]?.value, !value.isEmpty else { return nil }
        return value.removingPercentEncoding
    }

    /// The answer to a browser's `GET ...?token=TOKEN`: a redirect to the URL without the token,
    /// setting the cookie when the token is one of the configuration's (with no tokens configured
    /// the URL is only cleaned); nil for a token that is not one of them.
    static func exchange(_ token: String, request: Request, tokens: [ServerSettings.Token], secure: Bool) -> Response? {
        var response = Response.redirect(to: urlWithoutToken(request), type: .normal)
        if !tokens.isEmpty {
            guard BearerAuthMiddleware.match(token, in: tokens) != nil else { return nil }
            let value = token.addingPercentEncoding(withAllowedCharacters: cookieSafe) ?? ""
            response.setCookie(Cookie(name: cookieName, value: value, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
        }
        response.headers[.cacheControl] = "no-store"
        response.headers[.referrerPolicy] = "no-referrer"
        return response
    }

    /// The request's path and query without `token`: where the exchange sends the browser.
    static func urlWithoutToken(_ request: Request) -> String {
        let kept = (request.uri.query ?? "").split(separator: "&").filter { item in
            item.split(separator: "=", maxSplits: 1).first.map { $0.removingPercentEncoding ?? String($0) } != tokenParameter
        }
        let path = localPath(request)
        return kept.isEmpty ? path : "\(path)?\(kept.joined(separator: "&"))"
    }

    /// The request's path with one leading slash: `//evil.example/` would be another host to a browser.
    static func localPath(_ request: Request) -> String {
        "/" + request.uri.path.drop { $0 == "/" || $0 == "\\" }
    }

    /// Whether the method can change state: only those need the same-origin check.
    static func isUnsafe(_ method: HTTPRequest.Method) -> Bool {
        !(method == .get || method == .head || method == .options)
    }

    /// Refuses a cross-site request, and a cookie-authenticated one that does not say where it
    /// comes from.
    /// - Throws: `Problem` 403 naming the origin it saw.
    static func checkSameOrigin(_ request: Request, cookieAuthenticated: Bool) throws {
        if let site = request.headers[.secFetchSite], site == "cross-site" || site == "same-site" {
            throw Problem(.forbidden, "this request comes from another site (Sec-Fetch-Site: \(site)); use the dashboard's own buttons")
        }
        let claimed = request.headers[.origin] ?? request.headers[.referer]
        guard let claimed else {
            if cookieAuthenticated {
                throw Problem(.forbidden, "a request that changes something and is signed in by the dashboard cookie must come from a dashboard page (no Origin or Referer header); use the dashboard's buttons, or send `Authorization: Bearer TOKEN` instead")
            }
            return
        }
        guard let host = request.head.authority, authority(of: claimed)?.lowercased() == host.lowercased() else {
            throw Problem(.forbidden, "this request comes from \(authority(of: claimed) ?? "an opaque origin"), not from this server's pages; use the dashboard's own buttons")
        }
    }

    /// `host[:port]` of an `Origin` or `Referer` value; nil for `null` and anything without a host.
    static func authority(of url: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return components.port.map { "\(bracketed):\($0)" } ?? bracketed
    }
}

extension HTTPFields.Element.Name {
    /// Fields HTTPTypes has no name for (HTTPTypes itself is not imported here, only what
    /// Hummingbird exports).
    static let referrerPolicy = Self("Referrer-Policy")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
    /// HTTP/1's `Host`, which HTTPTypes moves into the request's authority; kept here for
    /// requests built without that step (the router test client).
    static let host = Self("Host")!
}
