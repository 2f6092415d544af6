import Foundation
import Hummingbird
import HummingbirdTesting
import IngestCore
import IngestServer
import IngestTesting
import Testing

/// Every bad request gets a 4xx problem document that names the fix, and queues nothing.
@Suite struct RequestProblemTests {
    private func expectRefused(
        _ document: String, contentType: String = "application/x-yaml", status: HTTPResponse.Status = .badRequest, saying expected: String
    ) async throws {
        let harness = try await ServerHarness()
        try await harness.test { client in
            let response = try await client.submit(document, name: "bad", contentType: contentType)
            #expect(response.status == status)
            #expect(response.headers[.contentType] == "application/problem+json")
            let detail = response.json["detail"] as? String ?? ""
            #expect(detail.contains(expected), "detail: \(detail)")
            #expect(response.json["status"] as? Int == Int(status.code))
            #expect(try await harness.broker.jobs().isEmpty)
        }
        await harness.close()
    }

    @Test func aMisspeltKeyIsRefusedWithTheClosestKey() async throws {
        try await expectRefused("root: /tmp\ntarget: /zone/a\ntiemout: 5\n", saying: "unknown key 'tiemout' for a sync job; did you mean timeout?")
    }

    @Test func aWrongTypeIsRefusedNamingTheKey() async throws {
        try await expectRefused("root: /tmp\ntarget: /zone/a\ntimeout: soon\n", saying: "timeout must be a number, got text 'soon'")
        try await expectRefused(#"{"root": "/tmp", "target": "/zone/a", "ignore_cache": 1}"#, contentType: "application/json", saying: "ignore_cache must be true or false")
    }

    @Test func anOptionValueIsCheckedAsTheCommandLineChecksIt() async throws {
        try await expectRefused("root: /tmp\ntarget: /zone/a\noperation: COPY\n", saying: "--operation 'COPY' is not one of REGISTER_SYNC")
        try await expectRefused("root: /tmp\ntarget: /zone/a\ninterval: 60\ncron: '0 3 * * *'\n", saying: "give --interval or --cron, not both")
        try await expectRefused("root: /tmp\ntarget: /zone/a\nmax_retries: -1\n", saying: "--max_retries must be 0 or more")
    }

    @Test func missingRootOrTargetIsNamed() async throws {
        try await expectRefused("target: /zone/a\n", saying: "root is missing")
        try await expectRefused("root: /tmp\n", saying: "target is missing")
    }

    @Test func malformedBodiesAreRefused() async throws {
        try await expectRefused("root: [unclosed\n", saying: "the body is not valid YAML")
        try await expectRefused(#"{"root": "/tmp", "target": }"#, contentType: "application/json", saying: "the body is not valid JSON")
        try await expectRefused("- just\n- a list\n", saying: "the body must be a mapping")
        try await expectRefused("root: /tmp\n", contentType: "text/csv", saying: "Content-Type 'text/csv' is not taken")
        try await expectRefused("", saying: "the body is empty")
    }

    @Test func yamlThatWouldCrashOrFloodTheLoaderIsRefused() async throws {
        try await expectRefused("? [a]\n: 1\nroot: /tmp\n", saying: "a key of the body is a list or a mapping")
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...7 { bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        try await expectRefused(bomb + "root: /tmp\n", saying: "the body expands to more than 100,000 values")
        try await expectRefused("root: /tmp\ntarget: /zone/a\ns3_keypair: /etc/passwd\n", saying: "s3_keypair names a file")
    }

    @Test func aSourceThatDoesNotExistIsRefusedBeforeAnythingIsQueued() async throws {
        try await expectRefused("root: /no/such/dir\ntarget: /zone/a\n", saying: "/no/such/dir")
    }

    @Test func inProcessOptionsAndServerFilesAreRefused() async throws {
        try await expectRefused("root: /tmp\ntarget: /zone/a\nsynchronous: true\n", saying: "the server queues the job for its workers")
        try await expectRefused("root: /tmp\ntarget: /zone/a\nevent_handler: /etc/passwd\n", saying: "send the handler's Python source as event_handler_data")
        try await expectRefused("root: /tmp\ntarget: /zone/a\npolicy: /etc/passwd\n", saying: "send the policy's text as policy_data")
    }

    @Test func aHandlerWithASyntaxErrorIsRefusedAtSubmission() async throws {
        let handler = """
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                def operation(session, meta, **options)
                    return 1
            """
        let document = #"{"root": "/tmp", "target": "/zone/a", "event_handler": "my_handler", "event_handler_data": \#(String(data: try JSONEncoder().encode(handler), encoding: .utf8)!)}"#
        try await expectRefused(document, contentType: "application/json", saying: "my_handler.py")
    }

    @Test func aBodyOverTheLimitIsRefusedWithoutBeingRead() async throws {
        let harness = try await ServerHarness()
        try await harness.test { client in
            let big = "root: /tmp\ntarget: /zone/a\n# " + String(repeating: "x", count: 10_000_000) + "\n"
            let response = try await client.submit(big, name: "big")
            #expect(response.status == .contentTooLarge)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try await harness.broker.jobs().isEmpty)
        }
        await harness.close()
    }

    @Test func unknownRoutesAndMethodsAreProblemsToo() async throws {
        let harness = try await ServerHarness()
        try await harness.test { client in
            let missing = try await client.get("/nothing/here")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            let badPath = try await client.get("/catalog/stat?path=relative/path")
            #expect(badPath.status == .badRequest)
            let unknownObject = try await client.get("/catalog/stat?path=/zone/none")
            #expect(unknownObject.status == .notFound)
            let hugeCursor = try await client.get("/catalog/ls?path=/&cursor=9223372036854775807")
            #expect(hugeCursor.status == .ok)
        }
        await harness.close()
    }
}
