import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// `ingest start --synchronous`, `ls`, `stat`, `list`, `watch` as a user runs them.
    @Suite struct StartAndInspectTests {
        @Test func synchronousStartRegistersTheTreeAndPrintsASummary() async throws {
            let world = try CLIWorld()
            try TreeBuilder.grid(world.source.path, directories: 4, filesPerDirectory: 5)
            let result = try await world.ingest.run(["start", world.source.path, world.target, "--synchronous", "--progress", "--job_name", "first"])
            #expect(result.status == 0, "\(result.stderr)")
            // 20 files, 4 directories, 3 group directories and the root collection
            #expect(result.stdout.contains("created 28, updated 0, unchanged 0, skipped 0, failed 0"), "\(result.stdout)")
            #expect(result.stderr.contains("entries/s"), "the progress bar shows rates: \(result.stderr)")
            #expect(result.stderr.contains("ETA"))

            let again = try await world.ingest.run(["start", world.source.path, world.target, "--synchronous", "--job-name", "second"])
            #expect(again.status == 0)
            #expect(again.stdout.contains("created 0, updated 0, unchanged 28"), "\(again.stdout)")
        }

        @Test func lsAndStatShowCatalogFields() async throws {
            let world = try CLIWorld()
            let file = try TreeBuilder.write(world.source.path, "sub/hello.txt", "hello world")
            #expect(try await world.ingest.run(["start", world.source.path, world.target, "--synchronous"]).status == 0)

            let listing = try await world.ingest.run(["ls", world.target])
            #expect(listing.stdout.contains("C- \(world.target)/sub"))
            let long = try await world.ingest.run(["ls", "-l", "\(world.target)/sub"])
            #expect(long.stdout.contains("11"))
            #expect(long.stdout.contains("1 replica(s)"))
            #expect(long.stdout.contains("hello.txt"))
            let entries = try await #require(try world.ingest.json(["ls", "\(world.target)/sub"]) as? [[String: Any]])
            #expect(entries.first?["path"] as? String == "\(world.target)/sub/hello.txt")
            #expect(entries.first?["size"] as? Int == 11)

            let stat = try await world.ingest.run(["stat", "\(world.target)/sub/hello.txt"])
            #expect(stat.stdout.contains("physical path: \(file)"))
            #expect(stat.stdout.contains("resource inplace"))
            let object = try await #require(try world.ingest.json(["stat", "\(world.target)/sub/hello.txt"]) as? [String: Any])
            #expect(object["size"] as? Int == 11)
            #expect((object["mtime_nanos"] as? Int).map(Int64.init) == TreeBuilder.stat(file).mtimeNanos)
            let replicas = try #require(object["replicas"] as? [[String: Any]])
            #expect(replicas.first?["physical_path"] as? String == file)

            let missing = try await world.ingest.run(["stat", "\(world.target)/nope"])
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("is not in the catalog"))
        }

        @Test func listReportsEveryJobWithItsCounts() async throws {
            let world = try CLIWorld()
            try TreeBuilder.grid(world.source.path, directories: 2, filesPerDirectory: 3)
            #expect(try await world.ingest.run(["start", world.source.path, world.target, "--synchronous", "--job_name", "nightly"]).status == 0)
            try await world.ingest.run(["start", world.source.path, world.target + "2", "--job_name", "queued-only"])

            let jobs = try await #require(try world.ingest.json(["list"]) as? [[String: Any]])
            let nightly = try #require(jobs.first { $0["name"] as? String == "nightly" })
            #expect(nightly["state"] as? String == "completed")
            // restart + root, group0, group1, dir0, dir1 path tasks + 2 file tasks
            #expect(nightly["tasks_total"] as? Int == 8)
            #expect(nightly["tasks_remaining"] as? Int == 0)
            #expect(nightly["entries_done"] as? Int == 11)
            #expect(nightly["bytes_done"] as? Int == 1 + 2 + 3 + 2 + 3 + 4)
            let queued = try #require(jobs.first { $0["name"] as? String == "queued-only" })
            #expect(queued["state"] as? String == "queued")
            #expect(queued["tasks_remaining"] as? Int == 1)

            let table = try await world.ingest.run(["list"])
            #expect(table.stdout.contains("NAME"))
            #expect(table.stdout.contains("REMAINING"))
            #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("nightly") && $0.contains("completed") })
        }

        @Test func watchFollowsAQueuedJobToItsEnd() async throws {
            let world = try CLIWorld()
            try TreeBuilder.grid(world.source.path, directories: 10, filesPerDirectory: 20)
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "watched"])
            let worker = try world.ingest.launch(["worker", "-Q", "restart,path,file", "-c", "2"])
            defer { worker.stop(with: SIGTERM) }
            let watch = try await world.ingest.run(["watch", "watched"])
            #expect(watch.status == 0, "\(watch.stderr)")
            #expect(watch.stdout.contains("job watched completed"))
            #expect(watch.stdout.contains("created 214"), "\(watch.stdout)")
            #expect(watch.stderr.contains("214/214 entries"), "the last progress line shows everything done: \(watch.stderr)")
        }

        @Test func badTargetIsRefusedBeforeAnythingIsQueued() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            for (target, message) in [("/", "catalog root"), ("relative/coll", "relative"), ("/zone/../x", "'..'")] {
                let result = try await world.ingest.run(["start", world.source.path, target])
                #expect(result.status != 0)
                #expect(result.stderr.contains(message), "\(target): \(result.stderr)")
            }
            let missing = try await world.ingest.run(["start", world.source.subpath("nope"), world.target])
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("No such file or directory"))
            let jobs = try await #require(try world.ingest.json(["list"]) as? [Any])
            #expect(jobs.isEmpty)
        }

        @Test func progressWithoutSynchronousIsRefused() async throws {
            let world = try CLIWorld()
            let result = try await world.ingest.run(["start", world.source.path, world.target, "--progress"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("--progress needs --synchronous"))
        }

        @Test func logFileGetsJSONLines() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let log = world.home.subpath("logs/ingest.log")
            let result = try await world.ingest.run([
                "start", world.source.path, world.target, "--synchronous", "--log_filename", log, "--log_level", "DEBUG",
                "--log_when", "midnight", "--log_interval", "1",
            ])
            #expect(result.status == 0)
            let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            #expect(!lines.isEmpty)
            for line in lines {
                let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(record["time"] != nil)
                #expect(record["level"] != nil)
            }
            #expect(lines.contains { $0.contains("\"task done\"") && $0.contains("ingest.job") })
            let badLevel = try await world.ingest.run(["start", world.source.path, world.target, "--log_level", "LOUD"])
            #expect(badLevel.status != 0)
            #expect(badLevel.stderr.contains("--log_level"))
        }
    }
}
