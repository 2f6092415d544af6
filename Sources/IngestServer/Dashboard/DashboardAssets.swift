import Crypto
import Foundation
import Hummingbird

/// The dashboard's one style sheet and one script, compiled in so that the server needs no files
/// beside its binary and the browser fetches nothing from elsewhere. Pages link them with a
/// digest of their text in the query, so they can be cached for a year and still change with a
/// new build.
enum DashboardAssets {
    struct Asset: Sendable {
        var path: String
        var contentType: String
        var body: String
        /// The first 16 hex digits of the body's SHA-256: the ETag and the `?v=` of links.
        var version: String

        init(path: String, contentType: String, body: String) {
            self.path = path
            self.contentType = contentType
            self.body = body
            version = SHA256.hash(data: Data(body.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        }

        var link: String { "\(path)?v=\(version)" }
    }

    static let style = Asset(path: "/static/dashboard.css", contentType: "text/css; charset=utf-8", body: css)
    static let script = Asset(path: "/static/dashboard.js", contentType: "text/javascript; charset=utf-8", body: javascript)

    static func register(on router: Router<ServerContext>) {
        for asset in [style, script] {
            router.get(RouterPath(stringLiteral: String(asset.path.dropFirst()))) { request, _ in response(asset, request: request) }
        }
    }

    static func response(_ asset: Asset, request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            .cacheControl: "public, max-age=31536000, immutable",
            .eTag: "\"\(asset.version)\"",
            .xContentTypeOptions: "nosniff",
        ]
        if request.headers[.ifNoneMatch] == "\"\(asset.version)\"" {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
    }

    private static let css = """
        :root { --fg: #1d2430; --muted: #5f6b7a; --line: #e3e7ee; --bg: #f6f8fb; --card: #fff; --accent: #2f6fdf;
          --ok: #1f8a4c; --warn: #b7791f; --bad: #c53030; --idle: #718096; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #18212f; color: #fff; }
        header.top .brand { font-weight: 700; font-size: 16px; color: #fff; text-decoration: none; }
        header.top nav a { color: #c9d3e3; text-decoration: none; margin-right: 16px; padding: 4px 0; }
        header.top nav a.active, header.top nav a:hover { color: #fff; border-bottom: 2px solid var(--accent); }
        header.top .who { margin-left: auto; color: #c9d3e3; font-size: 12px; }
        main { padding: 16px 24px 40px; max-width: 1400px; }
        h1 { font-size: 20px; margin: 4px 0 12px; word-break: break-all; }
        h2 { font-size: 16px; margin: 24px 0 8px; }
        a { color: var(--accent); }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
        table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
        th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: #fafbfd; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.name { word-break: break-all; min-width: 140px; }
        td.error { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; white-space: pre-wrap; word-break: break-word; color: #7a1f1f; }
        td.key { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; word-break: break-all; }
        tr:last-child td { border-bottom: none; }
        .empty { color: var(--muted); font-style: italic; }
        .muted { color: var(--muted); }
        .state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--idle); }
        .state-running { background: var(--accent); }
        .state-queued, .state-waiting { background: var(--warn); }
        .state-completed { background: var(--ok); }
        .state-failed { background: var(--bad); }
        .state-stopped, .state-stopping { background: var(--idle); }
        .bar { display: flex; align-items: center; gap: 8px; min-width: 220px; }
        progress { width: 160px; height: 12px; appearance: none; -webkit-appearance: none; border: none; border-radius: 6px; background: #e6eaf1; overflow: hidden; }
        progress::-webkit-progress-bar { background: #e6eaf1; border-radius: 6px; }
        progress::-webkit-progress-value { background: var(--accent); border-radius: 6px; }
        progress::-moz-progress-bar { background: var(--accent); border-radius: 6px; }
        progress.done::-webkit-progress-value { background: var(--ok); }
        progress.done::-moz-progress-bar { background: var(--ok); }
        progress.failed::-webkit-progress-value { background: var(--bad); }
        progress.failed::-moz-progress-bar { background: var(--bad); }
        .bar .label { font-size: 12px; color: var(--muted); white-space: nowrap; font-variant-numeric: tabular-nums; }
        .layers { display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; align-items: center; }
        .layers .layer { font-size: 12px; color: var(--muted); }
        .filters { display: flex; gap: 8px; align-items: center; margin-bottom: 12px; flex-wrap: wrap; }
        .filters a { padding: 3px 10px; border: 1px solid var(--line); border-radius: 14px; background: var(--card); text-decoration: none; color: var(--fg); }
        .filters a.active { background: var(--accent); border-color: var(--accent); color: #fff; }
        .pager { display: flex; gap: 16px; margin: 8px 0 16px; }
        .flash { padding: 8px 12px; border-radius: 6px; margin-bottom: 12px; background: #e6f4ea; border: 1px solid #b7dfc3; }
        .flash.error { background: #fdecea; border-color: #f3b8b2; }
        .actions { display: flex; gap: 8px; margin: 8px 0 16px; align-items: center; }
        button { font: inherit; padding: 5px 14px; border-radius: 5px; border: 1px solid var(--line); background: var(--card); cursor: pointer; }
        button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
        button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
        button:disabled { opacity: .5; cursor: not-allowed; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; word-break: break-all; }
        .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 16px; }
        .crumbs { margin-bottom: 8px; word-break: break-all; }
        .crumbs a { text-decoration: none; }
        .live-note { font-size: 12px; color: var(--muted); }
        """

    /// Swaps the `[data-live]` part of the page (its `<main>`) for the same part of a fresh copy
    /// of the page, every 2 s while the tab is visible: the server renders (and escapes)
    /// everything, so the script holds no markup of its own, and without JavaScript the page is
    /// complete as served. Confirmation of Stop is asked through delegation, so it survives the swaps.
    private static let javascript = """
        (function () {
          "use strict";
          var note = document.getElementById("live-note");
          var busy = false;
          function refresh() {
            var regions = document.querySelectorAll("[data-live]");
            if (busy || document.hidden || regions.length === 0) return;
            busy = true;
            fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin", cache: "no-store" })
              .then(function (response) { return response.ok ? response.text() : null; })
              .then(function (text) {
                if (text === null) return;
                var fresh = new DOMParser().parseFromString(text, "text/html");
                regions.forEach(function (region) {
                  var replacement = fresh.getElementById(region.id);
                  if (replacement) region.innerHTML = replacement.innerHTML;
                });
                if (note) note.textContent = "updated " + new Date().toLocaleTimeString();
              })
              .catch(function () { if (note) note.textContent = "not updated: the server did not answer"; })
              .then(function () { busy = false; });
          }
          if (document.querySelector("[data-live]")) {
            if (note) note.textContent = "updates every 2 s";
            window.setInterval(refresh, 2000);
          }
          document.addEventListener("submit", function (event) {
            var form = event.target;
            if (form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
              event.preventDefault();
            }
          });
        })();
        """
}
