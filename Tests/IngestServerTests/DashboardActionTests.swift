import Foundation
import Hummingbird
import HummingbirdTesting
import IngestCore
import IngestServer
import IngestTesting
import Testing

/// The job page's forms act on the broker and come back to the job with a message; a read
/// token, or a form posted from another site, changes nothing.
@Suite struct DashboardActionTests {
    private static let tokens = """
        server:
          tokens:
            - name: viewer
              token: read-secret-1234
              role: read
            - token: operate-secret-5678
              role: operate
        """

    @Test func stopCancelsTheJobAndRedirectsBackWithAMessage() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 3)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/s\n", name: "stopme")
            let response = try await client.postForm("/jobs/stopme/stop")
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/jobs/stopme?flash=stopped")
            #expect(try await harness.broker.job(named: "stopme")?.state == .stopped)
            let page = try await client.browse("/jobs/stopme?flash=stopped").text
            #expect(page.contains("Job stopme stopped: its queued tasks were cancelled."))
            #expect(page.contains("<span class=\"state state-stopped\">stopped</span>"))
            #expect(!page.contains("action=\"/jobs/stopme/stop\""))
        }
        await harness.close()
    }

    @Test func requeuePutsTheFailedTasksBackOnTheirQueue() async throws {
        let harness = try await ServerHarness.withFailingKind()
        try await harness.test { client in
            try await harness.failedJob("broken", keys: ["a", "b", "c"])
            #expect(try await harness.broker.queueCounts(job: "broken")["failing"]?.failed == 3)
            let response = try await client.postForm("/jobs/broken/requeue")
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/jobs/broken?flash=requeued&count=3")
            let counts = try #require(try await harness.broker.queueCounts(job: "broken")["failing"])
            #expect(counts.ready == 3)
            #expect(counts.failed == 0)
            let page = try await client.browse("/jobs/broken?flash=requeued&count=3").text
            #expect(page.contains("Requeued 3 failed tasks; a worker will run them again."))
            #expect(page.contains("No failed entries."))
            let again = try await client.postForm("/jobs/broken/requeue")
            #expect(again.headers[.location] == "/jobs/broken?flash=requeued&count=0")
            #expect(try await client.browse("/jobs/broken?flash=requeued&count=0").text.contains("Nothing to requeue"))
        }
        await harness.close()
    }

    @Test func aReadTokenSeesDisabledButtonsAndCannotPost() async throws {
        let harness = try await ServerHarness.withFailingKind(configuration: Self.tokens)
        try await harness.test { client in
            try await harness.failedJob("broken", keys: ["a"])
            let signedIn = try await client.browse("/jobs/broken?token=read-secret-1234")
            let cookie = try #require(signedIn.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let page = try await client.browse("/jobs/broken", cookie: cookie).text
            #expect(page.contains("name=\"requeue\" disabled"))
            #expect(page.contains("read-only token"))
            let refused = try await client.postForm("/jobs/broken/requeue", cookie: cookie)
            #expect(refused.status == .forbidden)
            #expect(try await harness.broker.queueCounts(job: "broken")["failing"]?.failed == 1)
            let byHeader = try await client.postForm("/jobs/broken/requeue", origin: nil, token: "read-secret-1234")
            #expect(byHeader.status == .forbidden)
            #expect(try await harness.broker.queueCounts(job: "broken")["failing"]?.failed == 1)
            let operate = try await client.postForm("/jobs/broken/requeue", origin: nil, token: "operate-secret-5678")
            #expect(operate.status == .seeOther)
            #expect(try await harness.broker.queueCounts(job: "broken")["failing"]?.ready == 1)
        }
        await harness.close()
    }

    @Test func aFormPostedFromAnotherSiteIsRefused() async throws {
        let harness = try await ServerHarness(configuration: Self.tokens)
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/c\n", name: "target", token: "operate-secret-5678")
            let signedIn = try await client.browse("/?token=operate-secret-5678")
            let cookie = try #require(signedIn.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let forged = try await client.postForm("/jobs/target/stop", origin: "http://evil.example", cookie: cookie)
            #expect(forged.status == .forbidden)
            #expect((forged.json["detail"] as? String)?.contains("evil.example") == true)
            let silent = try await client.postForm("/jobs/target/stop", origin: nil, cookie: cookie)
            #expect(silent.status == .forbidden, "a cookie alone, without Origin or Referer, is not enough")
            let nullOrigin = try await client.postForm("/jobs/target/stop", origin: "null", cookie: cookie)
            #expect(nullOrigin.status == .forbidden)
            #expect(try await harness.broker.job(named: "target")?.state == .queued)
            var referred: HTTPFields = [.cookie: cookie, .referer: "http://localhost/jobs/target"]
            referred[.accept] = "text/html"
            let fromPage = try await client.execute(uri: "/jobs/target/stop", method: .post, headers: referred)
            #expect(fromPage.status == .seeOther)
            #expect(try await harness.broker.job(named: "target")?.state == .stopped)
        }
        await harness.close()
    }

    @Test func withoutTokensACrossSiteFormIsStillRefused() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/c\n", name: "local")
            let forged = try await client.postForm("/jobs/local/stop", origin: "http://evil.example")
            #expect(forged.status == .forbidden)
            var crossSite: HTTPFields = [HTTPFields.Element.Name("Sec-Fetch-Site")!: "cross-site"]
            crossSite[.accept] = "text/html"
            #expect(try await client.execute(uri: "/jobs/local/stop", method: .post, headers: crossSite).status == .forbidden)
            #expect(try await harness.broker.job(named: "local")?.state == .queued)
            let fromPage = try await client.postForm("/jobs/local/stop")
            #expect(fromPage.status == .seeOther)
        }
        await harness.close()
    }

    @Test func stoppingAnUnknownJobIsAPageNotFound() async throws {
        let harness = try await ServerHarness()
        try await harness.test { client in
            let response = try await client.postForm("/jobs/ghost/stop")
            #expect(response.status == .notFound)
            #expect(response.text.contains("No job is named ghost."))
        }
        await harness.close()
    }
}
