import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// Resources from the configuration file, copy operations across worker processes, verify,
    /// periodic jobs and profiles, as a user drives them.
    @Suite struct SyncOptionsCLITests {
        private func writeConfig(_ world: CLIWorld, vaults: [String]) throws -> [String: String] {
            var yaml = "resources:\n"
            var paths: [String: String] = [:]
            for name in vaults {
                let path = world.home.subpath("vaults/\(name)")
                paths[name] = path
                yaml += "  - name: \(name)\n    type: vault\n    path: \(path)\n"
            }
            try yaml.write(toFile: world.home.subpath("config.yaml"), atomically: true, encoding: .utf8)
            return paths
        }

        @Test func unknownResourceIsRefusedWithTheDefinedOnesListed() async throws {
            let world = try CLIWorld()
            _ = try writeConfig(world, vaults: ["archive", "backup"])
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let result = try await world.ingest.run(["start", world.source.path, world.target, "--operation", "PUT", "--to_resource", "tape"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("resource 'tape' is not defined in \(world.home.subpath("config.yaml")); defined: archive, backup"), "\(result.stderr)")
            #expect((try await world.ingest.json(["list"]) as? [Any])?.isEmpty == true)
        }

        @Test func badConfigurationKeyIsNamed() async throws {
            let world = try CLIWorld()
            try "resources:\n  - name: archive\n    type: vault\n    pth: /x\n".write(
                toFile: world.home.subpath("config.yaml"), atomically: true, encoding: .utf8)
            let result = try await world.ingest.run(["list"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("resources[0].pth"), "\(result.stderr)")
        }

        @Test(arguments: ["PUT", "PUT_SYNC", "PUT_APPEND"])
        func workerProcessesCopyEveryFileOnce(_ operation: String) async throws {
            let world = try CLIWorld()
            let vaults = try writeConfig(world, vaults: ["archive"])
            let files = try TreeBuilder.grid(world.source.path, directories: 12, filesPerDirectory: 25)
            try await world.ingest.run([
                "start", world.source.path, world.target, "--operation", operation, "--to_resource", "archive",
                "--checksum", "md5", "--files_per_task", "5", "--job_name", "copy",
            ])
            let workers = try (0..<2).map { _ in try world.ingest.launch(["worker", "-c", "3"]) }
            let status = try await world.waitForJob("copy") { $0.state.isTerminal }
            for worker in workers { worker.stop(with: SIGTERM) }
            #expect(status.state == .completed)
            var totalBytes: Int64 = 0
            for file in files {
                let copy = try Data(contentsOf: URL(fileURLWithPath: vaults["archive"]! + "/tempZone/home/rods/data/" + file))
                #expect(copy == (try Data(contentsOf: URL(fileURLWithPath: world.source.subpath(file)))))
                totalBytes += Int64(copy.count)
            }
            #expect(status.counter(Counter.bytesCopied) == totalBytes, "each file was written once")
            #expect(status.counter(Counter.entriesCreated) == Int64(files.count + 12 + 3 + 1))

            let usage = try await #require(try world.ingest.json(["resource", "ls"]) as? [[String: Any]])
            let archive = try #require(usage.first { $0["name"] as? String == "archive" })
            #expect(archive["objects"] as? Int == files.count)
            #expect((archive["bytes"] as? Int).map(Int64.init) == totalBytes)
            let verify = try await world.ingest.run(["verify", world.target])
            #expect(verify.status == 0, "\(verify.stdout)")
            #expect(verify.stdout.contains("\(files.count) checksums verified"))
        }

        @Test(arguments: ["REGISTER_SYNC", "REGISTER_AS_REPLICA_SYNC", "NO_OP"])
        func workerProcessesRegisterEveryFileOnce(_ operation: String) async throws {
            let world = try CLIWorld()
            _ = try writeConfig(world, vaults: ["archive"])
            let files = try TreeBuilder.grid(world.source.path, directories: 12, filesPerDirectory: 25)
            try await world.ingest.run([
                "start", world.source.path, world.target, "--operation", operation, "--to_resource", "archive",
                "--files_per_task", "5", "--job_name", "register",
            ])
            let workers = try (0..<2).map { _ in try world.ingest.launch(["worker", "-c", "3"]) }
            let status = try await world.waitForJob("register") { $0.state.isTerminal }
            for worker in workers { worker.stop(with: SIGTERM) }
            #expect(status.state == .completed)
            if operation == "NO_OP" {
                #expect(try await world.catalog().kind(of: world.target) == nil, "NO_OP creates not even the target")
                #expect(status.counter(Counter.entriesSkipped) == Int64(files.count + 12 + 3 + 1))
            } else {
                let objects = try await world.objects(under: world.target)
                #expect(Set(objects.map(\.path)) == Set(files.map { "\(world.target)/\($0)" }))
                #expect(objects.allSatisfy { $0.replicaCount == 1 })
                let sample = try #require(try await world.catalog().dataObject(at: "\(world.target)/\(files[0])"))
                #expect(sample.replicas.first?.resource == "archive")
                #expect(sample.replicas.first?.physicalPath == world.source.subpath(files[0]))
                #expect(status.counter(Counter.entriesCreated) == Int64(files.count + 12 + 3 + 1))
            }
        }

        @Test func verifyExitsNonZeroOnACorruptedCopy() async throws {
            let world = try CLIWorld()
            let vaults = try writeConfig(world, vaults: ["archive"])
            try TreeBuilder.write(world.source.path, "a.txt", "original content")
            #expect(try await world.ingest.run([
                "start", world.source.path, world.target, "--operation", "PUT", "--to_resource", "archive", "--checksum", "sha256", "--synchronous",
            ]).status == 0)
            try "tampered content".write(toFile: vaults["archive"]! + "/tempZone/home/rods/data/a.txt", atomically: true, encoding: .utf8)
            let verify = try await world.ingest.run(["verify", "\(world.target)/a.txt"])
            #expect(verify.status != 0)
            #expect(verify.stdout.contains("checksum differs"))
            #expect(verify.stdout.contains("1 problems"))
        }

        @Test func intervalJobRunsPassesUntilStopped() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "first")
            try await world.ingest.run(["start", world.source.path, world.target, "--interval", "1", "--job_name", "every-second"])
            let worker = try world.ingest.launch(["worker", "-c", "2"])
            defer { worker.stop(with: SIGTERM) }
            let afterFirst = try await world.waitForJob("every-second", timeout: 30) { $0.lastPass?.pass == 1 }
            #expect(afterFirst.lastPass?.counters[Counter.entriesCreated] == 2)
            let listing = try await world.ingest.run(["list"])
            #expect(listing.stdout.contains("LAST_PASS"))
            #expect(listing.stdout.contains("NEXT_RUN_AT"))

            try TreeBuilder.write(world.source.path, "a.txt", "second, longer")
            try TreeBuilder.write(world.source.path, "b.txt", "new")
            let afterSecond = try await world.waitForJob("every-second", timeout: 30) { $0.lastPass?.pass == 2 }
            #expect(afterSecond.lastPass?.counters[Counter.entriesUpdated] == 1)
            #expect(afterSecond.lastPass?.counters[Counter.entriesCreated] == 1)
            #expect(try await world.catalog().dataObject(at: "\(world.target)/a.txt")?.size == 14)

            let history = try await world.ingest.run(["history", "every-second"])
            #expect(history.stdout.split(separator: "\n").count >= 3, "\(history.stdout)")
            let passes = try await #require(try world.ingest.json(["history", "every-second"]) as? [[String: Any]])
            #expect(passes.prefix(2).map { $0["pass"] as? Int } == [1, 2])
            let first = try #require(passes.first)
            let second = passes[1]
            let rfc3339 = ISO8601DateFormatter()
            rfc3339.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let secondStarted = try #require((second["started_at"] as? String).flatMap(rfc3339.date(from:)))
            let firstFinished = try #require((first["finished_at"] as? String).flatMap(rfc3339.date(from:)))
            #expect(secondStarted.timeIntervalSince(firstFinished) >= 0.99, "a pass starts an interval after the previous one ended")

            let stop = try await world.ingest.run(["stop", "every-second"])
            #expect(stop.status == 0)
            let stopped = try await world.waitForJob("every-second", timeout: 30) { $0.state.isTerminal }
            #expect(stopped.state == .stopped)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await world.broker().job(named: "every-second")?.state == .stopped, "no pass after the stop")
        }

        @Test func cronJobWaitsForItsFirstTimeAndBadCronIsRefused() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let bad = try await world.ingest.run(["start", world.source.path, world.target, "--cron", "61 * * * *"])
            #expect(bad.status == 64, "a malformed option value is a usage error")
            #expect(bad.stderr.contains("--cron"), "\(bad.stderr)")
            #expect(bad.stderr.contains("minute"), "the message names the field: \(bad.stderr)")

            try await world.ingest.run(["start", world.source.path, world.target, "--cron", "0 3 * * *", "--job_name", "nightly"])
            let jobs = try await #require(try world.ingest.json(["list"]) as? [[String: Any]])
            let nightly = try #require(jobs.first)
            #expect(nightly["state"] as? String == "waiting")
            #expect(nightly["schedule"] as? String == "cron 0 3 * * *")
            let nextRun = try #require(nightly["next_run_at"] as? String)
            let rfc3339 = ISO8601DateFormatter()
            rfc3339.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let date = try #require(rfc3339.date(from: nextRun))
            let components = Calendar.current.dateComponents([.hour, .minute], from: date)
            #expect(components.hour == 3 && components.minute == 0)
            #expect(date > Date())
            #expect(try await world.ingest.run(["stop", "nightly"]).stdout.contains("stopped"))
        }

        @Test func unreadableDirectoryIsNeverDeletedBecauseOfIt() async throws {
            let world = try CLIWorld()
            // Root reads everything, so the commands run as an ordinary user when the tests run as root.
            if getuid() == 0 { world.ingest.runAsUser = "65534" }
            try TreeBuilder.write(world.source.path, "open/a.txt", "a")
            try TreeBuilder.write(world.source.path, "locked/secret.txt", "s")
            TreeBuilder.openToEveryone(world.source.path)
            #expect(try await world.ingest.run(["start", world.source.path, world.target, "--synchronous", "--delete_mode", "UNREGISTER", "--job_name", "one"]).status == 0)

            chmod(world.source.subpath("locked"), 0o000)
            defer { chmod(world.source.subpath("locked"), 0o777) }
            let second = try await world.ingest.run(["start", world.source.path, world.target, "--synchronous", "--delete_mode", "UNREGISTER", "--job_name", "two"])
            #expect(second.status != 0, "the unreadable directory is a failure")
            #expect(second.stdout.contains("failed 1"), "\(second.stdout)")
            let failed = try await #require(try world.ingest.json(["failed", "two"]) as? [[String: Any]])
            #expect((failed.first?["error"] as? String)?.contains("Permission denied") == true)
            #expect(try await world.catalog().dataObject(at: "\(world.target)/locked/secret.txt") != nil)
            #expect(try await world.catalog().dataObject(at: "\(world.target)/open/a.txt") != nil)
        }

        @Test func profileRecordsEveryTaskAndRendersATimeline() async throws {
            let world = try CLIWorld()
            try TreeBuilder.grid(world.source.path, directories: 3, filesPerDirectory: 4)
            let profile = world.home.subpath("profile.jsonl")
            let run = try await world.ingest.run([
                "start", world.source.path, world.target, "--synchronous", "--profile", "--profile_filename", profile, "--job_name", "profiled",
            ])
            #expect(run.status == 0)
            let lines = try String(contentsOfFile: profile, encoding: .utf8).split(separator: "\n")
            // restart, root + 3 groups + 3 dirs path tasks, 3 file tasks
            #expect(lines.count == 11)
            for line in lines {
                let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                for key in ["queue", "worker", "start", "end", "entries", "bytes", "outcome"] { #expect(record[key] != nil, "\(key)") }
                #expect(record["job"] as? String == "profiled")
            }
            let html = world.home.subpath("timeline.html")
            let render = try await world.ingest.run(["profile", profile, "--html", html])
            #expect(render.status == 0, "\(render.stderr)")
            let page = try String(contentsOfFile: html, encoding: .utf8)
            #expect(page.contains("<html"))
            #expect(page.contains("file"))
        }
    }
}
