import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// Several `ingest worker` processes sharing the embedded state, killed, stopped and drained.
    @Suite struct WorkerProcessTests {
        /// Checks that a finished sync registered every file exactly once and counted every entry once.
        private func expectEveryFileRegisteredOnce(_ world: CLIWorld, files: [String], job: String) async throws {
            let objects = try await world.objects(under: world.target)
            #expect(objects.count == files.count)
            #expect(Set(objects.map(\.path)) == Set(files.map { "\(world.target)/\($0)" }))
            #expect(objects.allSatisfy { $0.replicaCount == 1 })
            let status = try #require(try await world.broker().job(named: job))
            #expect(status.state == .completed)
            #expect(status.entriesDone == status.counter(Counter.entriesSeen), "every listed entry was counted once")
            #expect(status.counter(Counter.entriesFailed) == 0)
        }

        @Test(arguments: CLIWorld.Backend.allCases, [2, 4])
        func severalWorkerProcessesShareOneJob(_ backend: CLIWorld.Backend, _ workerCount: Int) async throws {
            let world = try CLIWorld(backend: backend)
            let files = try TreeBuilder.grid(world.source.path, directories: 30, filesPerDirectory: 40)
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "shared", "--files_per_task", "10"])
            var workers: [Process] = []
            for _ in 0..<workerCount {
                workers.append(try await world.ingest.launchStartedWorker(["-Q", "restart,path,file", "-c", "2"]))
            }
            try await world.waitForJob("shared") { $0.state.isTerminal }
            for worker in workers { worker.stop(with: SIGTERM) }
            #expect(workers.allSatisfy { $0.terminationStatus == 0 }, "SIGTERM drains a worker and it exits cleanly")
            try await expectEveryFileRegisteredOnce(world, files: files, job: "shared")
            #expect(try await world.broker().job(named: "shared")?.counter(Counter.entriesCreated) == Int64(files.count + 30 + 3 + 1))
        }

        @Test(arguments: CLIWorld.Backend.allCases)
        func workerKilledMidSyncLosesNothing(_ backend: CLIWorld.Backend) async throws {
            let world = try CLIWorld(backend: backend)
            let files = try TreeBuilder.grid(world.source.path, directories: 60, filesPerDirectory: 100)
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "kill", "--files_per_task", "10"])
            let doomed = try world.ingest.launch(["worker", "-c", "4", "--lease_seconds", "1"])
            // Kill while the worker holds leases, so that its tasks must be re-delivered.
            let midway = try await world.waitForJob("kill") {
                ($0.counter(Counter.entriesCreated) >= 300 && $0.runningTasks > 0) || $0.state.isTerminal
            }
            doomed.stop(with: SIGKILL)
            #expect(!midway.state.isTerminal, "the worker must be killed in the middle of the sync")
            // Usually the dead worker still holds leases here; if it was killed between a commit and its next
            // claim it holds none, and only the exactly-once checks below apply.
            let before = try #require(try await world.broker().job(named: "kill"))

            let survivor = try world.ingest.launch(["worker", "-c", "4", "--lease_seconds", "1"])
            let status = try await world.waitForJob("kill") { $0.state.isTerminal }
            survivor.stop(with: SIGTERM)
            #expect(status.tasksRetried >= before.runningTasks, "the dead worker's tasks were re-delivered")
            try await expectEveryFileRegisteredOnce(world, files: files, job: "kill")
        }

        @Test func stopCancelsPendingWorkAtOnce() async throws {
            let world = try CLIWorld()
            try TreeBuilder.grid(world.source.path, directories: 40, filesPerDirectory: 60)
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "halt", "--files_per_task", "5"])
            let worker = try world.ingest.launch(["worker", "-c", "1"])
            defer { worker.stop(with: SIGTERM) }
            try await world.waitForJob("halt") { $0.pendingTasks >= 50 || $0.state.isTerminal }

            let stop = try await world.ingest.run(["stop", "halt"])
            #expect(stop.status == 0, "\(stop.stderr)")
            #expect(stop.stdout.contains("queued tasks cancelled"))
            let afterStop = try #require(try await world.broker().job(named: "halt"))
            #expect(afterStop.pendingTasks <= 1, "only the task already running is left")
            #expect(afterStop.counter(Counter.tasksCancelled) >= 49)

            let final = try await world.waitForJob("halt", timeout: 30) { $0.state.isTerminal }
            #expect(final.state == .stopped)
            try await Task.sleep(for: .milliseconds(300))
            let objects = try await world.objects(under: world.target)
            #expect(objects.count < 2400, "stopped work is not done")
            #expect(try await world.broker().job(named: "halt")?.counter(Counter.tasksDone) == final.counter(Counter.tasksDone), "nothing runs after the stop")
            let jobs = try await #require(try world.ingest.json(["list"]) as? [[String: Any]])
            #expect(jobs.first?["state"] as? String == "stopped")
        }

        @Test func unreadableFileFailsAloneAndCanBeRequeued() async throws {
            let world = try CLIWorld()
            // Root reads every file, so the commands run as an ordinary user when the tests run as root.
            if getuid() == 0 { world.ingest.runAsUser = "65534" }
            try TreeBuilder.grid(world.source.path, directories: 1, filesPerDirectory: 5)
            let secret = try TreeBuilder.write(world.source.path, "group0/dir0/secret.txt", "classified")
            TreeBuilder.openToEveryone(world.source.path)
            chmod(secret, 0o000)

            let run = try await world.ingest.run(["start", world.source.path, world.target, "--synchronous", "--job_name", "perm"])
            #expect(run.status != 0, "a failure makes the exit status non-zero")
            #expect(run.stdout.contains("created 8"), "\(run.stdout) \(run.stderr)")
            #expect(run.stdout.contains("failed 1"))
            let failed = try await #require(try world.ingest.json(["failed", "perm"]) as? [[String: Any]])
            #expect(failed.count == 1)
            #expect(failed.first?["key"] as? String == secret)
            #expect((failed.first?["error"] as? String)?.contains("Permission denied") == true)
            let table = try await world.ingest.run(["failed", "perm"])
            #expect(table.stdout.contains(secret))

            chmod(secret, 0o644)
            let requeue = try await world.ingest.run(["requeue", "perm"])
            #expect(requeue.stdout.contains("requeued 1 failed task; a running `ingest worker` will pick it up"), "\(requeue.stdout) \(requeue.stderr)")
            let worker = try world.ingest.launch(["worker"])
            let status = try await world.waitForJob("perm") { $0.state.isTerminal }
            worker.stop(with: SIGTERM)
            #expect(status.state == .completed)
            #expect(status.counter(Counter.entriesFailed) == 0)
            #expect(try await world.catalog().dataObject(at: "\(world.target)/group0/dir0/secret.txt") != nil)
        }

        @Test func requeueByQueueNeedsAll() async throws {
            let world = try CLIWorld()
            let missing = try await world.ingest.run(["requeue"])
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("--all"))
            let unknown = try await world.ingest.run(["requeue", "no-such-job"])
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("no job named 'no-such-job'"))
            #expect(try await world.ingest.run(["requeue", "file", "--all"]).stdout.contains("requeued 0"))
        }

        @Test func flushAsksForConfirmation() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            #expect(try await world.ingest.run(["start", world.source.path, world.target, "--synchronous", "--job_name", "done"]).status == 0)
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "pending"])

            let declined = try await world.ingest.run(["flush"], input: "no\n")
            #expect(declined.status != 0)
            #expect(declined.stderr.contains("--yes"))
            #expect((try await world.ingest.json(["list"]) as? [Any])?.count == 2)

            let noInput = try await world.ingest.run(["flush"])
            #expect(noInput.status != 0, "without a terminal nothing is flushed unless --yes is given")

            let confirmed = try await world.ingest.run(["flush"], input: "yes\n")
            #expect(confirmed.status == 0)
            #expect((try await world.ingest.json(["list"]) as? [Any])?.isEmpty == true)

            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "again"])
            #expect(try await world.ingest.run(["flush_redis", "--yes"]).status == 0)
            #expect((try await world.ingest.json(["list"]) as? [Any])?.isEmpty == true)
            #expect(try await world.ingest.run(["ls", world.target]).stdout.contains("a.txt"), "flush keeps the catalog")
        }
    }
}

extension CommandLineTests {
    /// Workers are visible: `ingest workers` lists the live ones, `list` says when a job's queues
    /// have no worker, and `worker --burst` stops once its queues are empty.
    @Suite struct LiveWorkersTests {
        @Test func workersAreListedWhileTheyRunAndAJobWithoutOneSaysSo() async throws {
            let world = try CLIWorld(backend: .sqlite)
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "waiting"])
            let unserved = try await world.ingest.run(["list"])
            #expect(unserved.stdout.contains("job waiting waits: no live worker listens to restart"), "\(unserved.stdout)")
            let jobs = try await #require(try world.ingest.json(["list"]) as? [[String: Any]])
            #expect(jobs.first?["queues_without_workers"] as? [String] == ["restart"])
            #expect(try await world.ingest.run(["workers"]).stdout.contains("no live workers"))

            let worker = try await world.ingest.launchStartedWorker(["-Q", "restart,path,file", "-c", "2"])
            let listed = try await #require(try world.ingest.json(["workers"]) as? [[String: Any]])
            #expect(listed.count == 1)
            #expect(listed.first?["queues"] as? [String] == ["restart", "path", "file"])
            #expect(listed.first?["pid"] as? Int == Int(worker.processIdentifier))
            try await world.waitForJob("waiting") { $0.state.isTerminal }
            #expect(!(try await world.ingest.run(["list"]).stdout.contains("no live worker")))
            #expect(worker.stop(with: SIGTERM))
            #expect(try await world.ingest.run(["workers"]).stdout.contains("no live workers"), "a stopped worker removes its record")
        }

        @Test func aBurstWorkerStopsOnceItsQueuesAreEmpty() async throws {
            let world = try CLIWorld(backend: .sqlite)
            _ = try TreeBuilder.grid(world.source.path, directories: 3, filesPerDirectory: 5)
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "burst"])
            let run = try await world.ingest.run(["worker", "--burst", "-Q", "restart,path,file"])
            #expect(run.status == 0, "\(run.stderr)")
            let status = try #require(try await world.broker().job(named: "burst"))
            #expect(status.state == .completed)
            #expect(status.counter(Counter.entriesCreated) == 15 + 3 + 3 + 1)
        }

        @Test func aWorkerOnEveryQueueIsListedBeforeAnyQueueExists() async throws {
            let world = try CLIWorld(backend: .sqlite)
            let worker = try world.ingest.launch(["worker", "-c", "2"])
            defer { worker.stop(with: SIGTERM) }
            var listed: [[String: Any]] = []
            let deadline = Date().addingTimeInterval(60)
            while listed.isEmpty && Date() < deadline {
                try await Task.sleep(for: .milliseconds(100))
                listed = (try? await world.ingest.json(["workers"]) as? [[String: Any]]) ?? []
            }
            #expect(listed.count == 1)
            #expect(listed.first?["queues"] as? [String] == [], "an idle worker on every queue lists no queue names")
        }
    }
}
