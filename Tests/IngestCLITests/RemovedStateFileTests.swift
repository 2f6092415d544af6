import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// A worker whose state file is deleted from under it would go on with a copy nobody sees, and
    /// new jobs would never reach it: it stops with an error naming the file and the fix instead.
    @Suite struct RemovedStateFileTests {
        /// Launches `ingest worker ARGUMENTS` with its standard error in a file, and waits for it to start.
        private func launchWorker(_ world: CLIWorld, _ arguments: [String], log: String) async throws -> Process {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            let worker = try world.ingest.launch(["worker"] + arguments + ["--log_level", "INFO"], standardError: handle)
            let deadline = ContinuousClock.now + .seconds(60)
            while !contents(log).contains("worker started") {
                guard worker.isRunning, ContinuousClock.now < deadline else {
                    throw WaitTimedOut(description: "the worker did not start: \(contents(log))")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            return worker
        }

        private func contents(_ path: String) -> String {
            (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }

        private func removeState(_ world: CLIWorld) {
            for suffix in ["", "-wal", "-shm"] { unlink(world.home.subpath("state.sqlite") + suffix) }
        }

        /// Waits until the process has ended, for at most `seconds`; a process still running is killed.
        private func waitForExit(_ process: Process, seconds: Double) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            guard process.isRunning else { return true }
            process.stop(with: SIGKILL)
            return false
        }

        @Test func aWorkerOnNamedQueuesExitsWhenItsStateFileIsRemoved() async throws {
            let world = try CLIWorld()
            let log = world.home.subpath("worker.log")
            let worker = try await launchWorker(world, ["-Q", "restart,path,file", "-c", "2"], log: log)

            removeState(world)

            #expect(try await waitForExit(worker, seconds: 20), "the worker noticed within a few seconds")
            #expect(worker.terminationStatus != 0)
            let output = contents(log)
            #expect(output.contains(world.home.subpath("state.sqlite")), "\(output)")
            #expect(output.contains("was removed"), "\(output)")
            #expect(output.contains("Restart the workers"), "\(output)")
        }

        @Test func aWorkerOnEveryQueueExitsWhenItsStateFileIsRemovedAfterAJob() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "first"])
            let log = world.home.subpath("worker.log")
            let worker = try await launchWorker(world, ["-c", "2"], log: log)
            try await world.waitForJob("first") { $0.state.isTerminal }

            removeState(world)

            #expect(try await waitForExit(worker, seconds: 20), "the worker noticed within a few seconds")
            #expect(worker.terminationStatus != 0)
            let output = contents(log)
            #expect(output.contains("state file '\(world.home.subpath("state.sqlite"))' was removed"), "\(output)")
        }

        @Test func aWorkerExitsWhenItsStateFileIsReplacedByANewOne() async throws {
            let world = try CLIWorld()
            let log = world.home.subpath("worker.log")
            let worker = try await launchWorker(world, ["-Q", "restart,path,file"], log: log)

            removeState(world)
            // A new job on a new state file: the running worker would never see it.
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let start = try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "after"])
            #expect(start.status == 0, "\(start.stderr)")

            #expect(try await waitForExit(worker, seconds: 20))
            #expect(worker.terminationStatus != 0)
            // Replaced, or removed if the worker looked before `start` made the new file.
            let output = contents(log)
            #expect(output.contains("was replaced by another file") || output.contains("was removed"), "\(output)")
            // A worker started now runs the new job.
            let fresh = try await launchWorker(world, ["-Q", "restart,path,file"], log: world.home.subpath("fresh.log"))
            defer { fresh.stopWorker() }
            #expect(try await world.waitForJob("after") { $0.state.isTerminal }.state == .completed)
        }
    }
}
