import Foundation
import Hummingbird
import IngestCore

/// One dashboard page: the header with its navigation around a body, served with headers that
/// let the browser run nothing but the dashboard's own script and style sheet.
struct DashboardPage {
    enum Section: String, CaseIterable {
        case jobs, queues, workers, catalog

        var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
        var path: String { self == .jobs ? "/" : "/\(rawValue)" }
    }

    var title: String
    var section: Section?
    var role: ServerSettings.Role?
    var flash: Flash?
    var body: HTML
    /// The page's script swaps the whole of `<main>` for a fresh copy every 2 s (the catalog does not change by itself).
    var live = true

    /// A message after an action, named by a code in the redirect's query (`?flash=stopped`), so
    /// that no text from the URL is ever shown.
    enum Flash: Equatable {
        case stopped(String)
        case requeued(Int)
        case nothingToRequeue
        case refusedToken

        init?(_ request: Request, job: String) {
            switch request.uri.queryParameters.get("flash").map({ String($0) }) ?? "" {
            case "stopped": self = .stopped(job)
            case "requeued":
                let count = request.uri.queryParameters.get("count").flatMap { Int($0) } ?? 0
                self = count > 0 ? .requeued(count) : .nothingToRequeue
            default: return nil
            }
        }

        var html: HTML {
            switch self {
            case .stopped(let job): "<div class=\"flash\" role=\"status\">Job \(job) stopped: its queued tasks were cancelled.</div>"
            case .requeued(let count): "<div class=\"flash\" role=\"status\">Requeued \(count) failed task\(count == 1 ? "" : "s"); a worker will run \(count == 1 ? "it" : "them") again.</div>"
            case .nothingToRequeue: "<div class=\"flash error\" role=\"status\">Nothing to requeue: the job has no failed tasks.</div>"
            case .refusedToken: "<div class=\"flash error\" role=\"alert\">That token is not one of this server's; check it and sign in again.</div>"
            }
        }
    }

    func render() -> HTML {
        let navigation = Section.allCases.map { item -> HTML in
            "<a href=\"\(item.path)\"\(item == section ? HTML(" class=\"active\" aria-current=\"page\"") : "")>\(item.title)</a>"
        }
        let who: HTML =
            switch role {
            case .read: "read-only token"
            case .operate, nil: ""
            }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Ingest</title>
            <link rel="stylesheet" href="\(DashboardAssets.style.link)">
            <script src="\(DashboardAssets.script.link)" defer></script>
            </head>
            <body>
            <header class="top"><a class="brand" href="/">Ingest</a><nav>\(navigation)</nav><span class="who">\(who) <span id="live-note" class="live-note"></span></span></header>
            <main id="page"\(live ? HTML(" data-live") : "")>
            \(flash?.html ?? "")\(body)
            </main>
            </body>
            </html>

            """
    }

    func response(status: HTTPResponse.Status = .ok) -> Response {
        Self.response(render(), status: status)
    }

    static func response(_ html: HTML, status: HTTPResponse.Status = .ok, contentSecurityPolicy: String = Self.contentSecurityPolicy) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .cacheControl: "no-store",
                .contentSecurityPolicy: contentSecurityPolicy,
                .xContentTypeOptions: "nosniff",
                // Same-origin requests keep their Referer (the cross-site check reads it); no other site gets one.
                .referrerPolicy: "same-origin",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// Only this server's script and style sheet run; no inline code, no frames, forms post here only.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// An error as a page (an unknown job, a path not in the catalog) rather than a problem document.
    static func problem(_ status: HTTPResponse.Status, _ message: String, section: Section?, role: ServerSettings.Role?) -> Response {
        DashboardPage(
            title: status.reasonPhrase, section: section, role: role,
            body: "<h1>\(status.reasonPhrase)</h1><div class=\"card\"><p>\(message)</p><p><a href=\"/\">All jobs</a></p></div>"
        ).response(status: status)
    }

    /// What a browser gets without a token when the server has tokens: how to sign in. The form
    /// sends the token once in the URL; the server swaps it for a cookie and a clean URL.
    /// - Parameter refused: the request carried a token that is not one of the configuration's.
    static func signIn(_ request: Request, refused: Bool = false) -> Response {
        let back = DashboardSession.localPath(request)
        return DashboardPage(
            title: "Sign in", section: nil, role: nil,
            flash: refused ? .refusedToken : nil,
            body: """
                <h1>Sign in</h1>
                <div class="card">
                <p>This server needs a token of <code>server.tokens</code> (role <code>read</code> to look, <code>operate</code> to stop and requeue).</p>
                <form method="get">
                <label>Token <input type="password" name="token" autocomplete="current-password" required></label>
                <button class="primary" type="submit">Sign in</button>
                </form>
                <p class="muted">Or open any page once as <code>\(back)?token=TOKEN</code>: the token is kept in a cookie for this browser session and removed from the address.</p>
                </div>
                """
        ).response(status: .unauthorized)
    }
}
