import Foundation
import Hummingbird
import HummingbirdTesting
import IngestCore
import IngestRuntime
import IngestServer
import IngestTesting
import Testing

/// The job API as iRODS automated ingest's users call it: upstream's submit document as YAML,
/// the same fields as JSON, listing, showing and stopping jobs.
@Suite struct JobRouteTests {
    @Test func upstreamsYAMLSubmitDocumentQueuesAJobThatRunsIntoTheCatalog() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 7)
        try await harness.test { client in
            let response = try await client.submit(
                """
                root: \(source)
                target: /tempZone/home/rods/data
                timeout: 600
                all: true
                """, name: "nightly")
            #expect(response.status == .created)
            #expect(response.headers[.location] == "/job/nightly")
            let job = response.json["job"] as? [String: Any]
            #expect(job?["name"] as? String == "nightly")
            #expect(job?["state"] as? String == "queued")
            #expect(response.json["ignored_keys"] as? [String] == ["all"])

            try await harness.runUntilEnded("nightly")
            let shown = try await client.get("/job/nightly")
            #expect(shown.status == .ok)
            #expect(shown.json["state"] as? String == "completed")
            // The 7 files, the 3 directories and the root.
            #expect(shown.json["entries_done"] as? Int == 7 + 3 + 1)
            let listing = try await client.get("/catalog/ls?path=/tempZone/home/rods/data/d0")
            #expect((listing.json["entries"] as? [[String: Any]])?.count == 3)
        }
        await harness.close()
    }

    @Test func theSameFieldsAsJSONWithStartOptionsByTheirNames() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 4)
        try await harness.test { client in
            let document = #"{"root": "\#(source)", "target": "/zone/json", "files_per_task": 1, "exclude_file_name": [".*f1\\.txt"], "operation": "REGISTER_SYNC"}"#
            let response = try await client.submit(document, name: "json", contentType: "application/json")
            #expect(response.status == .created)
            try await harness.runUntilEnded("json")
            let stat = try await client.get("/catalog/stat?path=/zone/json/d1/f1.txt")
            #expect(stat.status == .notFound)
            let kept = try await client.get("/catalog/stat?path=/zone/json/d2/f2.txt")
            #expect(kept.status == .ok)
            #expect(kept.json["size"] as? Int == 7)
        }
        await harness.close()
    }

    @Test func aJobWithoutANameGetsOneAndIsListed() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            let response = try await client.submit("root: \(source)\ntarget: /zone/x\n")
            #expect(response.status == .created)
            let name = try #require((response.json["job"] as? [String: Any])?["name"] as? String)
            #expect(UUID(uuidString: name) != nil)
            let list = try await client.get("/job")
            #expect((list.json["jobs"] as? [[String: Any]])?.map { $0["name"] as? String } == [name])
        }
        await harness.close()
    }

    @Test func jobsArePagedByName() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            for index in 0..<5 { try await client.submit("root: \(source)\ntarget: /zone/p\(index)\n", name: "job\(index)") }
            let first = try await client.get("/job?limit=2")
            #expect((first.json["jobs"] as? [[String: Any]])?.map { $0["name"] as? String } == ["job0", "job1"])
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await client.get("/job?limit=2&cursor=\(cursor)")
            #expect((second.json["jobs"] as? [[String: Any]])?.map { $0["name"] as? String } == ["job2", "job3"])
            let last = try await client.get("/job?limit=2&cursor=job3")
            #expect((last.json["jobs"] as? [[String: Any]])?.count == 1)
            #expect(last.json["next_cursor"] is NSNull)
            let tooMany = try await client.get("/job?limit=5000")
            #expect(tooMany.status == .badRequest)
        }
        await harness.close()
    }

    @Test func aNameStillActiveIsAConflictAndAnEndedOneIsReplaced() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/a\n", name: "same")
            let again = try await client.submit("root: \(source)\ntarget: /zone/a\n", name: "same")
            #expect(again.status == .conflict)
            #expect(again.headers[.contentType] == "application/problem+json")
            #expect((again.json["detail"] as? String)?.contains("still active") == true)
            try await harness.runUntilEnded("same")
            let replaced = try await client.submit("root: \(source)\ntarget: /zone/a\n", name: "same")
            #expect(replaced.status == .created)
            #expect((replaced.json["replaced"] as? String)?.contains("completed") == true)
        }
        await harness.close()
    }

    @Test func deleteStopsAJobAndAnUnknownJobIsNotFound() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 3)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/s\n", name: "stopme")
            let stopped = try await client.execute(uri: "/job/stopme", method: .delete)
            #expect(stopped.status == .ok)
            #expect(["stopped", "stopping"].contains(stopped.json["state"] as? String))
            let status = try await harness.broker.job(named: "stopme")
            #expect(status?.state.isTerminal == true)
            let unknown = try await client.execute(uri: "/job/nobody", method: .delete)
            #expect(unknown.status == .notFound)
            #expect((unknown.json["detail"] as? String)?.contains("no job named 'nobody'") == true)
        }
        await harness.close()
    }

    @Test func theURLNameAndJobNameMustAgree() async throws {
        let harness = try await ServerHarness()
        try await harness.test { client in
            let response = try await client.submit("root: /tmp\ntarget: /zone/a\njob_name: other\n", name: "this")
            #expect(response.status == .badRequest)
            #expect((response.json["detail"] as? String)?.contains("job_name says 'other'") == true)
            #expect(try await harness.broker.jobs().isEmpty)
        }
        await harness.close()
    }

    /// A job name with a space or a slash travels percent-encoded in the path; the job is the
    /// decoded name, as `ingest list` shows it.
    @Test func aPercentEncodedNameInThePathIsTheDecodedJobName() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            let queued = try await client.submit("root: \(source)\ntarget: /zone/a\n", name: "my%20job")
            #expect(queued.status == .created, "\(queued.text)")
            #expect(try await harness.broker.job(named: "my job") != nil)
            let shown = try await client.get("/job/my%20job")
            #expect(shown.status == .ok)
            #expect(shown.json["name"] as? String == "my job")
        }
        await harness.close()
    }

    @Test func headIsAnsweredWhereverGetIs() async throws {
        let harness = try await ServerHarness()
        try await harness.test { client in
            let head = try await client.execute(uri: "/job", method: .head)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentType] == "application/json")
            #expect(try await client.execute(uri: "/healthz", method: .head).status == .ok)
        }
        await harness.close()
    }
}
