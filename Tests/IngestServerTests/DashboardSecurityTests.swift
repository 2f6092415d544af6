import Foundation
import Hummingbird
import HummingbirdTesting
import IngestCore
import IngestServer
import IngestTesting
import Testing

/// A browser signs in with `?token=` once and is then known by an HttpOnly cookie; the token
/// leaves the URL at once. User data on the pages (job names, paths, error texts) is text, never
/// markup.
@Suite struct DashboardSecurityTests {
    private static let tokens = """
        server:
          tokens:
            - name: viewer
              token: read+secret/1234
              role: read
        """

    @Test func aTokenInTheURLBecomesACookieAndLeavesTheURL() async throws {
        let harness = try await ServerHarness(configuration: Self.tokens)
        try await harness.test { client in
            let response = try await client.browse("/queues?cursor=2&token=read%2Bsecret%2F1234&limit=5")
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/queues?cursor=2&limit=5")
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.hasPrefix("ingest_token="))
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            #expect(setCookie.contains("Path=/"))
            #expect(!setCookie.contains("Secure"), "this server speaks plain HTTP")
            #expect(!(response.headers[.location] ?? "").contains("secret"))
            let cookie = String(setCookie.split(separator: ";")[0])
            let page = try await client.browse("/queues?cursor=2&limit=5", cookie: cookie)
            #expect(page.status == .ok)
            #expect(!page.text.contains("secret"), "the token is never written into a page")
            let api = try await client.execute(uri: "/job", method: .get, headers: [.cookie: cookie])
            #expect(api.status == .ok, "the cookie counts as the bearer token on the API too")
        }
        await harness.close()
    }

    @Test func aWrongTokenOrCookieIsRefusedAndABrowserIsAskedToSignIn() async throws {
        let harness = try await ServerHarness(configuration: Self.tokens)
        try await harness.test { client in
            let wrong = try await client.browse("/?token=guess")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            #expect(!wrong.text.contains("guess"))
            #expect(wrong.text.contains("That token is not one of this server's"))
            let apiWithQueryToken = try await client.get("/job?token=read%2Bsecret%2F1234")
            #expect(apiWithQueryToken.status == .unauthorized, "?token= signs in browsers only; API clients send the header")
            let noToken = try await client.browse("/")
            #expect(noToken.status == .unauthorized)
            #expect(noToken.headers[.contentType] == "text/html; charset=utf-8")
            #expect(noToken.text.contains("<input type=\"password\" name=\"token\""))
            let badCookie = try await client.browse("/", cookie: "ingest_token=guess")
            #expect(badCookie.status == .unauthorized)
            let api = try await client.get("/job")
            #expect(api.headers[.contentType] == "application/problem+json", "API clients still get a problem document")
        }
        await harness.close()
    }

    @Test func withoutTokensTheTokenIsOnlyRemovedFromTheURL() async throws {
        let harness = try await ServerHarness()
        try await harness.test { client in
            let response = try await client.browse("/?token=anything")
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/")
            #expect(response.headers[.setCookie] == nil)
        }
        await harness.close()
    }

    @Test func aRedirectNeverLeavesThisHost() async throws {
        let harness = try await ServerHarness()
        try await harness.test { client in
            let response = try await client.browse("//evil.example/x?token=anything")
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/") && !location.hasPrefix("//"), "\(location)")
        }
        await harness.close()
    }

    @Test func markupInAJobNameAPathOrAnErrorShowsAsText() async throws {
        let harness = try await ServerHarness.withFailingKind()
        let attack = "<script>alert('x')</script>"
        try await harness.test { client in
            try await harness.failedJob(attack, keys: ["/data/<img src=x onerror=alert(1)>.txt"], error: "bad \"quote\" & <b>bold</b>")
            let list = try await client.browse("/").text
            #expect(!list.contains(attack))
            #expect(list.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
            #expect(list.contains("href=\"/jobs/%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E\""))
            let page = try await client.browse("/jobs/%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E")
            #expect(page.status == .ok)
            #expect(!page.text.contains("<script>alert"))
            #expect(!page.text.contains("<img src=x"))
            #expect(!page.text.contains("<b>bold</b>"))
            #expect(page.text.contains("/data/&lt;img src=x onerror=alert(1)&gt;.txt"))
            #expect(page.text.contains("bad &quot;quote&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"))
            #expect(page.text.contains("data-confirm=\"Stop job") == false, "an ended job has no Stop form")
            let catalog = try await client.browse("/catalog?path=/zone/%3Cscript%3E")
            #expect(catalog.status == .notFound)
            #expect(!catalog.text.contains("<script>"))
            #expect(catalog.text.contains("/zone/&lt;script&gt;"))
        }
        await harness.close()
    }
}
