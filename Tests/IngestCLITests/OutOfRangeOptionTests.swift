import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// Numbers that no worker could turn into a deadline (`nan`, `1e300`) crashed the process with
    /// SIGILL, leaving claimed tasks leased for good. They, a cron expression that never fires and
    /// unusable job names are now refused when the options are read, before anything is queued.
    @Suite struct OutOfRangeOptionTests {
        private func expectNothingCreated(_ world: CLIWorld, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(!FileManager.default.fileExists(atPath: world.home.subpath("state.sqlite")), "nothing was created", sourceLocation: sourceLocation)
        }

        @Test(arguments: [
            ["--lease_seconds", "nan"], ["--lease_seconds", "1e300"], ["--lease_seconds", "1e300", "--synchronous"],
            ["--timeout", "1e308"], ["--timeout", "inf"], ["--timeout", "0"],
            ["--delay=-1"], ["--delay", "1e300"], ["--delay", "nan"],
            ["--interval", "nan"], ["--interval", "1e300"],
        ])
        func outOfRangeSecondsAreRefusedBeforeAnythingIsQueued(_ option: [String]) async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let result = try await world.ingest.run(["start", world.source.path, world.target] + option)
            #expect(result.status == 64, "a usage error, not a crash: \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("\(option[0].split(separator: "=")[0]): "), "\(result.stderr)")
            #expect(result.stderr.contains("give a number") || result.stderr.contains("give one"), "the message gives the range: \(result.stderr)")
            try expectNothingCreated(world)
        }

        @Test(arguments: ["0 0 31 2 *", "0 0 30 2 *"])
        func cronThatNeverFiresIsRefused(_ expression: String) async throws {
            let world = try CLIWorld()
            let result = try await world.ingest.run(["start", world.source.path, world.target, "--cron", expression])
            #expect(result.status != 0)
            #expect(result.stderr.contains("'\(expression)' never fires"), "\(result.stderr)")
            try expectNothingCreated(world)
        }

        @Test(arguments: ["", "two\nlines", "red\u{1B}[31m", "tab\there"])
        func jobNameThatIsEmptyOrHasControlCharactersIsRefused(_ name: String) async throws {
            let world = try CLIWorld()
            let result = try await world.ingest.run(["start", world.source.path, world.target, "--job_name", name])
            #expect(result.status == 64, "\(result.stderr)")
            #expect(result.stderr.contains("--job_name"), "\(result.stderr)")
            #expect(result.stderr.contains(name.isEmpty ? "is empty" : "control character"), "\(result.stderr)")
            try expectNothingCreated(world)
        }

        /// Runs `ingest ARGS` under `timeout`, so that a worker that was wrongly accepted (and runs
        /// until stopped) fails the test instead of hanging it.
        private func runBounded(_ world: CLIWorld, _ arguments: [String]) async throws -> (status: Int32, stderr: String) {
            let errors = world.home.subpath("bounded-stderr")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            process.arguments = ["-s", "KILL", "30", IngestProcess.executable] + arguments
            var environment = ProcessInfo.processInfo.environment
            environment["INGEST_HOME"] = world.home.path
            environment.removeValue(forKey: "INGEST_BROKER_URL")
            environment.removeValue(forKey: "INGEST_CATALOG_URL")
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
            process.standardOutput = FileHandle.nullDevice
            try await process.runToExit()
            return (process.terminationStatus, (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
        }

        @Test(arguments: ["nan", "1e300", "0"])
        func workerWithAnOutOfRangeLeaseIsRefused(_ lease: String) async throws {
            let world = try CLIWorld()
            let result = try await runBounded(world, ["worker", "--lease_seconds", lease])
            #expect(result.status == 64, "a usage error, not a crash: \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("--lease_seconds"), "\(result.stderr)")
        }

        @Test(arguments: ["0", "1000001"])
        func logIntervalOutOfRangeIsRefused(_ interval: String) async throws {
            let world = try CLIWorld()
            let result = try await runBounded(world, ["worker", "--log_filename", world.home.subpath("log.jsonl"), "--log_when", "midnight", "--log_interval", interval])
            #expect(result.status == 64, "\(result.status) \(result.stderr)")
            #expect(result.stderr.contains("--log_interval must be from 1 to"), "\(result.stderr)")
        }

        /// A task queued by an older version (or written into the broker) with `--timeout 1e308`
        /// crashed every worker that claimed it; now it fails alone and the worker goes on.
        @Test func queuedTaskWithAnAbsurdTimeoutFailsWithoutCrashingTheWorker() async throws {
            let world = try CLIWorld()
            try await world.broker().submit(
                .test("absurd"), tasks: [.test(job: "absurd", queue: "q", key: "k", retry: RetryPolicy(maxRetries: 2, delay: 0, timeout: 1e308))])
            let worker = try await world.ingest.launchStartedWorker(["-Q", "q", "-c", "1"])
            let status = try await world.waitForJob("absurd", timeout: 60) { $0.state.isTerminal }
            #expect(worker.isRunning, "the worker did not crash")
            worker.stopWorker()
            #expect(worker.terminationReason == .exit && worker.terminationStatus == 0)
            #expect(status.state == .failed)
            let failed = try await world.broker().failedTasks(job: "absurd", queue: nil, limit: 5)
            #expect(failed.first?.error.contains("its timeout: 1e+308 seconds is out of range") == true, "\(failed)")
            #expect(failed.first?.attempts == 1, "not retried")
        }
    }
}
