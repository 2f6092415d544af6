import Foundation
import Hummingbird
import HummingbirdTesting
import IngestCore
import IngestEngine
import IngestServer
import IngestTesting
import Testing

/// Each dashboard page rendered from an embedded engine with real jobs, queues, workers and a
/// catalog: the figures the JSON API gives appear on the page, and every list is paged.
@Suite struct DashboardPageTests {
    @Test func theJobsPageShowsEachJobWithStateProgressAndALinkToIt() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 7)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/done\n", name: "finished")
            try await harness.runUntilEnded("finished")
            try await client.submit("root: \(source)\ntarget: /zone/later\n", name: "waiting-one")
            let page = try await client.browse("/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            let html = page.text
            #expect(html.contains("<a href=\"/jobs/finished\">finished</a>"))
            #expect(html.contains("<span class=\"state state-completed\">completed</span>"))
            #expect(html.contains("<a href=\"/jobs/waiting-one\">waiting-one</a>"))
            #expect(html.contains("<span class=\"state state-queued\">queued</span>"))
            // 7 files, 3 directories and the root: all done.
            #expect(html.contains("11 / 11 entries (100%)"))
            #expect(html.contains("<progress class=\"done\" max=\"11\" value=\"11\""))
            #expect(html.contains("entries/s"), "a finished job has a rate")
            #expect(html.contains("<link rel=\"stylesheet\" href=\"/static/dashboard.css?v="))
            #expect(html.contains("data-live"), "the rows are marked for the live update")
        }
        await harness.close()
    }

    @Test func theJobsPageIsPagedOnTheServerAndFiltersByState() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            for index in 0..<5 { try await client.submit("root: \(source)\ntarget: /zone/p\(index)\n", name: "job\(index)") }
            try await harness.runUntilEnded("job0")
            let first = try await client.browse("/?limit=2").text
            #expect(first.contains("/jobs/job0") && first.contains("/jobs/job1"))
            #expect(!first.contains("/jobs/job2"))
            #expect(first.contains("<a href=\"/?cursor=job1&amp;limit=2\" rel=\"next\">"))
            let second = try await client.browse("/?cursor=job1&limit=2").text
            #expect(second.contains("/jobs/job2") && second.contains("/jobs/job3"))
            #expect(!second.contains("/jobs/job1\""))
            #expect(second.contains("rel=\"first\""))
            // The worker that ran job0 may have run others too: the broker says which are completed.
            let jobs = try await harness.broker.jobs()
            let completed = try await client.browse("/?state=completed").text
            for job in jobs {
                #expect(completed.contains("href=\"/jobs/\(job.name)\"") == (job.state == .completed), "\(job.name) is \(job.state)")
            }
            #expect(completed.contains("/jobs/job0"))
            #expect(completed.contains("<a href=\"/?state=completed\" class=\"active\">completed</a>"))
            let none = try await client.browse("/?state=failed").text
            #expect(none.contains("No failed jobs."))
        }
        await harness.close()
    }

    @Test func aJobPageShowsCountersFailedEntriesWithTheirErrorsAndTheButtons() async throws {
        let harness = try await ServerHarness.withFailingKind()
        try await harness.test { client in
            try await harness.failedJob("broken", keys: ["/data/a.txt", "/data/b.txt"], error: "checksum mismatch")
            let page = try await client.browse("/jobs/broken")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<h1>broken <span class=\"state state-failed\">failed</span></h1>"))
            #expect(html.contains("Failed entries (2)"))
            #expect(html.contains("<td class=\"key\">/data/a.txt</td>"))
            #expect(html.contains("checksum mismatch (/data/b.txt)"))
            #expect(html.contains("<form method=\"post\" action=\"/jobs/broken/requeue\">"))
            #expect(!html.contains("action=\"/jobs/broken/stop\""), "an ended job has nothing to stop")
            #expect(html.contains("<td>tasks.failed</td><td class=\"num\">2</td>"))
            #expect(html.contains("2 / 2 entries (100%)"))
            #expect(html.contains("<dt>Entries</dt><dd>2 done of 2 seen</dd>"))
        }
        await harness.close()
    }

    @Test func failedEntriesArePagedWithACursor() async throws {
        let harness = try await ServerHarness.withFailingKind()
        try await harness.test { client in
            try await harness.failedJob("many", keys: (0..<5).map { "entry-\($0)" })
            let first = try await client.browse("/jobs/many?limit=2").text
            #expect(first.contains("entry-0") && first.contains("entry-1"))
            #expect(!first.contains("entry-2"))
            let cursor = try #require(first.firstMatch(of: /failed_cursor=(\d+)/)?.output.1)
            #expect(first.contains("rel=\"next\""))
            // The next page starts after the cursor (how many it holds is the broker's paging).
            let second = try await client.browse("/jobs/many?limit=2&failed_cursor=\(cursor)").text
            #expect(second.contains("<td class=\"key\">entry-2</td>"))
            #expect(!second.contains("<td class=\"key\">entry-1</td>"))
            #expect(!second.contains("<td class=\"key\">entry-0</td>"))
            #expect(second.contains("rel=\"first\""))
        }
        await harness.close()
    }

    @Test func aRunningJobHasAStopButtonAndAnUnknownJobIsAPageNotFound() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 2)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/s\n", name: "pending")
            let html = try await client.browse("/jobs/pending").text
            #expect(html.contains("<form method=\"post\" action=\"/jobs/pending/stop\""))
            #expect(html.contains("no live worker listens to restart"))
            let missing = try await client.browse("/jobs/nobody")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "text/html; charset=utf-8")
            #expect(missing.text.contains("No job is named nobody."))
        }
        await harness.close()
    }

    @Test func aPeriodicJobListsItsPasses() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 2)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/every\ninterval: 3600\n", name: "hourly")
            // A periodic job never ends by itself: the worker runs its first pass, then the job is stopped.
            let worker = Task { try await harness.runUntilEnded("hourly") }
            try await finishing(within: .seconds(60)) {
                while try await harness.broker.job(named: "hourly")?.state != .waiting { try await Task.sleep(for: .milliseconds(20)) }
            }
            let html = try await client.browse("/jobs/hourly").text
            #expect(html.contains("<h2 id=\"passes\">Passes (1)</h2>"))
            #expect(html.contains("<tr><td class=\"num\">1</td><td><span class=\"state state-completed\">completed</span></td>"))
            #expect(html.contains("<dt>Schedule</dt><dd>every "))
            #expect(html.contains("<dt>Next pass</dt>"))
            let list = try await client.browse("/").text
            #expect(list.contains("<span class=\"label\">pass 1 completed; next pass at "), "a waiting job shows its next pass, not a bar")
            try await harness.broker.stop(job: "hourly")
            _ = try await worker.value
        }
        await harness.close()
    }

    @Test func aJobWithAProfileLinksItsWorkerTimeline() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/p\n", name: "profiled")
            try await client.submit("root: \(source)\ntarget: /zone/q\n", name: "plain")
            let record = ProfileRecord(
                job: "profiled", queue: "file", kind: "sync.file", key: "/d/<b>x</b>.txt", worker: "node-1:42", start: 100, end: 101.5,
                entries: 1, bytes: 5, outcome: "succeeded")
            let line = try JSONEncoder().encode(record) + Data("\n".utf8)
            try line.write(to: URL(fileURLWithPath: harness.runtime.settings.defaultProfilePath(job: "profiled")))
            #expect(try await client.browse("/jobs/profiled").text.contains("<a href=\"/jobs/profiled/timeline\">"))
            let timeline = try await client.browse("/jobs/profiled/timeline")
            #expect(timeline.status == .ok)
            #expect(timeline.text.contains("<title>Worker timeline of job profiled</title>"))
            #expect(timeline.text.contains("<svg"))
            #expect(timeline.text.contains("node-1:42"))
            #expect(!timeline.text.contains("<b>x</b>"))
            #expect(!(try await client.browse("/jobs/plain").text.contains("/timeline")))
            #expect(try await client.browse("/jobs/plain/timeline").status == .notFound)
        }
        await harness.close()
    }

    @Test func theQueuesPageShowsDepthRunningFailedAndWorkers() async throws {
        let harness = try await ServerHarness.withFailingKind()
        let source = try harness.sourceTree(files: 2)
        try await harness.test { client in
            try await harness.failedJob("broken", keys: ["x", "y", "z"])
            try await client.submit("root: \(source)\ntarget: /zone/q\n", name: "queued")
            try await harness.broker.heartbeat(
                WorkerRecord(id: "w1", host: "node-7", pid: 4242, queues: ["failing"], concurrency: 4, startedAt: currentTimestamp(), lastHeartbeat: currentTimestamp()),
                ttl: 60)
            let page = try await client.browse("/queues")
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = page.text
            #expect(html.contains("<tr><td>failing</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">3</td><td class=\"num\">1</td><td><a href=\"/jobs/broken\">broken</a></td></tr>"))
            #expect(html.contains("<tr><td>restart</td><td class=\"num\">1</td>"))
            // The JSON route is unchanged for API clients.
            let json = try await client.get("/queues")
            #expect(json.headers[.contentType] == "application/json")
            #expect(json.jsonList.count >= 2)
        }
        await harness.close()
    }

    @Test func theWorkersPageShowsHostPidQueuesHeartbeatAndTasksPaged() async throws {
        let harness = try await ServerHarness()
        let now = currentTimestamp()
        for index in 0..<3 {
            try await harness.broker.heartbeat(
                WorkerRecord(
                    id: "worker-\(index)", host: "node-\(index)", pid: Int32(100 + index), queues: index == 0 ? [] : ["file", "path"], concurrency: 8,
                    startedAt: now - Double(10 - index), lastHeartbeat: now - 3, running: 2, done: 1234),
                ttl: 60)
        }
        try await harness.test { client in
            let html = try await client.browse("/workers?limit=2").text
            #expect(html.contains("<td class=\"key\">worker-0</td><td>node-0</td><td class=\"num\">100</td><td>every queue</td>"))
            #expect(html.contains("<td>file, path</td>"))
            #expect(html.contains(" ago</td>"))
            #expect(html.contains("<td class=\"num\">2 / 8</td><td class=\"num\">1,234</td>"))
            #expect(!html.contains("worker-2"))
            #expect(html.contains("<a href=\"/workers?cursor=2&amp;limit=2\" rel=\"next\">"))
            let second = try await client.browse("/workers?cursor=2&limit=2").text
            #expect(second.contains("worker-2"))
            #expect(second.contains("3–3 of 3"))
            let json = try await client.get("/workers")
            #expect(json.jsonList.count == 3)
        }
        await harness.close()
    }

    @Test func theCatalogBrowserListsCollectionsPagedAndShowsADataObjectsReplicas() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 7)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /tempZone/home/rods/data\n", name: "sync")
            try await harness.runUntilEnded("sync")
            let root = try await client.browse("/catalog").text
            #expect(root.contains("<a href=\"/catalog?path=%2FtempZone\">tempZone/</a>"))
            let collection = try await client.browse("/catalog?path=/tempZone/home/rods/data/d0&limit=2").text
            #expect(collection.contains("<a href=\"/catalog?path=%2FtempZone%2Fhome%2Frods%2Fdata%2Fd0%2Ff0.txt\">f0.txt</a>"))
            #expect(collection.contains("1–2 of 3"))
            #expect(collection.contains("rel=\"next\""))
            #expect(collection.contains(" › <a href=\"/catalog?path=%2FtempZone%2Fhome\">home</a>"), "breadcrumbs")
            let object = try await client.browse("/catalog?path=/tempZone/home/rods/data/d0/f0.txt").text
            #expect(object.contains("<h2>Replicas (1)</h2>"))
            #expect(object.contains("\(source)/d0/f0.txt"))
            #expect(object.contains("7 B (7 bytes)"))
            let missing = try await client.browse("/catalog?path=/tempZone/nothing")
            #expect(missing.status == .notFound)
            let relative = try await client.browse("/catalog?path=relative/path")
            #expect(relative.status == .badRequest)
        }
        await harness.close()
    }

    @Test func theStyleAndScriptAreServedWithCacheHeadersAndNoTokenNeeded() async throws {
        let harness = try await ServerHarness(configuration: "server:\n  tokens:\n    - token: read-secret-1234\n      role: read\n")
        try await harness.test { client in
            let page = try await client.browse("/?token=read-secret-1234")
            let cookie = try #require(page.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let html = try await client.browse("/", cookie: cookie).text
            let cssLink = try #require(html.firstMatch(of: /href="(\/static\/dashboard\.css\?v=[0-9a-f]+)"/)?.output.1)
            let jsLink = try #require(html.firstMatch(of: /src="(\/static\/dashboard\.js\?v=[0-9a-f]+)"/)?.output.1)
            let css = try await client.get(String(cssLink))
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let etag = try #require(css.headers[.eTag])
            #expect(cssLink.hasSuffix(etag.trimmingCharacters(in: ["\""])))
            let js = try await client.get(String(jsLink))
            #expect(js.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(js.text.contains("DOMParser"))
            let again = try await client.execute(uri: String(cssLink), method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
        }
        await harness.close()
    }
}
