import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// The dashboard in a real browser: `ingest serve --worker` with tokens, jobs submitted over
    /// HTTP, and a selenium script (Tests/IngestCLITests/Browser/dashboard_check.py) in headless
    /// Chromium that signs in, reads every page, stops a job and requeues a failure through the
    /// buttons, and saves a screenshot of each page.
    ///
    /// Needs `INGEST_TEST_SELENIUM_PYTHON` (a Python with selenium), `INGEST_TEST_CHROMIUM` and
    /// `INGEST_TEST_CHROMEDRIVER`, which scripts/test sets; screenshots go to
    /// `INGEST_TEST_ARTIFACTS` (default: a new temporary directory, printed).
    @Suite struct DashboardBrowserTests {
        private static let token = "operate-browser-token-0123456789"

        @Test func anOperatorSeesEveryPageStopsAJobAndRequeuesAFailureInABrowser() async throws {
            let python = try TestServers.environment("INGEST_TEST_SELENIUM_PYTHON")
            let chromium = try TestServers.environment("INGEST_TEST_CHROMIUM")
            let chromedriver = try TestServers.environment("INGEST_TEST_CHROMEDRIVER")
            let artifacts = try Self.artifactsDirectory()
            print("dashboard screenshots: \(artifacts)")

            let world = try CLIWorld()
            // Root reads every file: the server runs as an ordinary user so that one file fails.
            if getuid() == 0 { world.ingest.runAsUser = "65534" }
            try Data("server:\n  tokens:\n    - name: browser\n      token: \(Self.token)\n      role: operate\n".utf8)
                .write(to: URL(fileURLWithPath: world.home.subpath("config.yaml")))
            try TreeBuilder.grid(world.source.path, directories: 3, filesPerDirectory: 4)
            let secret = try TreeBuilder.write(world.source.path, "group0/dir0/secret.txt", "classified")
            let hourlySource = world.source.subpath("hourly")
            try TreeBuilder.write(hourlySource, "a.txt", "a")
            TreeBuilder.openToEveryone(world.source.path)
            chmod(secret, 0o000)
            defer { chmod(secret, 0o644) }

            let output = world.home.subpath("serve.out")
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            chmod(output, 0o666)
            let outputHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            let server = try world.ingest.launch(["serve", "--port", "0", "--worker"], standardOutput: outputHandle, standardError: outputHandle)
            var browser: Process?
            defer {
                if let browser, browser.isRunning { browser.stop(with: SIGTERM, grace: 15) }
                server.stop(with: SIGTERM, grace: 30)
                try? outputHandle.close()
            }
            let base = try await Self.servingURL(in: output, process: server)

            try await Self.submit(base, name: "nightly", ["root": world.source.path, "target": world.target])
            try await Self.submit(base, name: "hourly", ["root": hourlySource, "target": "/tempZone/home/rods/hourly", "interval": 3600])
            let oddName = "<img src=x onerror=alert(1)>"
            try await Self.submit(base, name: nil, ["job_name": oddName, "root": hourlySource, "target": "/tempZone/home/rods/odd"])
            let failed = try await world.waitForJob("nightly") { $0.state.isTerminal }
            #expect(failed.tasksFailed == 1, "the unreadable file fails: \(failed)")
            try await world.waitForJob("hourly") { $0.state == .waiting }
            try await world.waitForJob(oddName) { $0.state.isTerminal }
            // Readable again: the Requeue button's second attempt succeeds.
            chmod(secret, 0o644)

            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Browser/dashboard_check.py").path
            let log = world.home.subpath("browser.log")
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            defer { try? logHandle.close() }
            let process = Process()
            // `timeout` ends a hung browser session; the script quits its browser on SIGTERM.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            process.arguments = [
                "--kill-after=10", "300", python, script, base.absoluteString, Self.token, artifacts, "nightly", "hourly", oddName,
                "\(world.target)/group1/dir1/file0.txt",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["INGEST_TEST_CHROMIUM"] = chromium
            environment["INGEST_TEST_CHROMEDRIVER"] = chromedriver
            process.environment = environment
            process.standardOutput = logHandle
            process.standardError = logHandle
            process.standardInput = FileHandle.nullDevice
            browser = process
            try await process.runToExit()
            let transcript = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            print(transcript)
            #expect(process.terminationStatus == 0, "the browser check failed:\n\(transcript)\nserver output:\n\((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
            #expect(transcript.contains("all checks passed"))
            let screenshots = try FileManager.default.contentsOfDirectory(atPath: artifacts).filter { $0.hasSuffix(".png") }
            #expect(screenshots.count >= 9, "screenshots: \(screenshots.sorted())")

            let stopped = try #require(try await world.broker().job(named: "hourly"))
            #expect(stopped.state == .stopped, "the Stop button stopped the periodic job")
            let requeued = try #require(try await world.broker().job(named: "nightly"))
            #expect(requeued.state == .completed && requeued.tasksFailed == 0, "the Requeue button ran the failure again: \(requeued)")
            #expect(try await world.catalog().dataObject(at: "\(world.target)/group0/dir0/secret.txt") != nil)
            let serverLog = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            #expect(!serverLog.contains(Self.token), "the token never appears in the server's output")
        }

        /// `INGEST_TEST_ARTIFACTS/dashboard`, or a new temporary directory.
        private static func artifactsDirectory() throws -> String {
            if let root = ProcessInfo.processInfo.environment["INGEST_TEST_ARTIFACTS"], !root.isEmpty {
                let directory = (root as NSString).appendingPathComponent("dashboard")
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                return directory
            }
            let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("ingest-dashboard-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return directory
        }

        /// Waits for `serving http://127.0.0.1:PORT` in the server's output.
        private static func servingURL(in output: String, process: Process) async throws -> URL {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                if let match = text.firstMatch(of: /serving (http:\/\/127\.0\.0\.1:\d+)/) { return URL(string: String(match.output.1))! }
                guard process.isRunning else { throw WaitTimedOut(description: "ingest serve exited:\n\(text)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw WaitTimedOut(description: "ingest serve printed no `serving` line in 60 s")
        }

        /// `PUT /job[/name]` with a JSON document and the operate token.
        private static func submit(_ base: URL, name: String?, _ document: [String: Any]) async throws {
            var request = URLRequest(url: name.map { base.appendingPathComponent("job/\($0)") } ?? base.appendingPathComponent("job"))
            request.httpMethod = "PUT"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.httpBody = try JSONSerialization.data(withJSONObject: document)
            let (body, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 201 else {
                throw WaitTimedOut(description: "PUT \(request.url!.path) answered \(status): \(String(decoding: body, as: UTF8.self))")
            }
        }
    }
}
