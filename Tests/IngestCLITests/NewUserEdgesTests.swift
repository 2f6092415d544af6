import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// Rough edges a new user met (issue 12, section B).
    @Suite struct NewUserEdgesTests {
        @Test(arguments: [["--lease_seconds", "5"], ["-c", "3"]])
        func optionsOfTheInProcessWorkerAreRefusedForAQueuedJob(_ option: [String]) async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            let refused = try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "queued"] + option)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("applies to --synchronous runs only"), "\(refused.stderr)")
            #expect(refused.stderr.contains("ingest worker"), "the message names where the setting goes")
            let synchronous = try await world.ingest.run(["start", world.source.path, world.target, "--synchronous"] + option)
            #expect(synchronous.status == 0, "\(synchronous.stderr)")
        }

        @Test func lsShowsTheTopCollectionsAndOneDataObject() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "abc")
            try await world.ingest.run(["start", world.source.path, world.target, "--synchronous"])
            let top = try await world.ingest.run(["ls"])
            #expect(top.status == 0, "\(top.stderr)")
            #expect(top.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "C- /tempZone")
            let object = try await world.ingest.run(["ls", "-l", "\(world.target)/a.txt"])
            #expect(object.status == 0, "\(object.stderr)")
            #expect(object.stdout.contains("a.txt") && object.stdout.contains("1 replica(s)") && object.stdout.contains(" 3  "), "\(object.stdout)")
        }

        @Test(arguments: ["https://example.org/data", "gs://bucket/prefix"])
        func aURLSourceIsAnsweredNotTakenForAMissingDirectory(_ source: String) async throws {
            let world = try CLIWorld()
            let refused = try await world.ingest.run(["start", source, world.target])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("ingest syncs directories and S3 buckets"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("No such file"))
        }

        /// A bucket source needs keys; without any, `start` says where they come from and queues nothing.
        @Test(arguments: ["s3://bucket/prefix", "S3://bucket"])
        func aBucketSourceWithoutKeysNamesWhereKeysComeFrom(_ source: String) async throws {
            let world = try CLIWorld()
            world.ingest.extraEnvironment["AWS_ACCESS_KEY_ID"] = ""
            world.ingest.extraEnvironment["AWS_SECRET_ACCESS_KEY"] = ""
            let refused = try await world.ingest.run(["start", source, world.target])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("AWS_ACCESS_KEY_ID") && refused.stderr.contains("--s3_keypair"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("No such file"))
            let jobs = try #require(try await world.ingest.json(["list", "--json"]) as? [[String: Any]])
            #expect(jobs.isEmpty)
        }
    }
}

extension CommandLineTests.NewUserEdgesTests {
    @Test func aJobIsForgottenAloneAndAReplacedOneIsNamed() async throws {
        let world = try CLIWorld()
        try TreeBuilder.write(world.source.path, "a.txt", "a")
        try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "keep", "--synchronous"])
        try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "drop", "--synchronous"])
        let again = try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "drop", "--synchronous"])
        #expect(again.stdout.contains("job drop replaces the ended job of that name (completed)"), "\(again.stdout)")
        let forgotten = try await world.ingest.run(["forget", "drop"])
        #expect(forgotten.status == 0, "\(forgotten.stderr)")
        let jobs = try await #require(try world.ingest.json(["list"]) as? [[String: Any]])
        #expect(jobs.compactMap { $0["name"] as? String } == ["keep"])
        #expect(try await world.ingest.run(["ls", world.target]).stdout.contains("a.txt"), "the catalog is kept")
    }
}

extension CommandLineTests.NewUserEdgesTests {
    @Test func historyOfAOneShotJobShowsItsPassAndAWorkerSaysWhatItServes() async throws {
        let world = try CLIWorld()
        try TreeBuilder.write(world.source.path, "a.txt", "a")
        try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "once"])
        let worker = try await world.ingest.run(["worker", "--burst", "-Q", "restart,path,file", "-c", "2"])
        #expect(worker.status == 0, "\(worker.stderr)")
        let line = worker.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(line.hasPrefix("worker ") && line.contains("queues restart,path,file, 2 at once, until the queues are empty"), "\(line)")
        #expect(line.contains("broker sqlite:") && line.contains("catalog sqlite:"), "\(line)")
        let history = try await world.ingest.run(["history", "once"])
        #expect(history.status == 0)
        #expect(history.stdout.contains("completed") && !history.stdout.contains("no ended passes"), "\(history.stdout)")
    }
}

extension CommandLineTests.NewUserEdgesTests {
    @Test func anUnknownCommandGetsTheNearestOnesAndRqxSpellingsWork() async throws {
        let world = try CLIWorld()
        let typo = try await world.ingest.run(["lst"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("did you mean `ingest list` or `ingest ls`?"), "\(typo.stderr)")
        let flask = try await world.ingest.run(["flask", "ingest"])
        #expect(flask.status == 64 && flask.stderr.contains("`flask ingest ...` commands are `ingest ...` here"))
        try TreeBuilder.write(world.source.path, "a.txt", "a")
        try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "j"])
        let direct = try await world.ingest.run(["requeue", "file", "--all"])
        let viaRqx = try await world.ingest.run(["rqx", "requeue", "file", "--all"])
        #expect(viaRqx.status == direct.status && viaRqx.stdout == direct.stdout, "\(viaRqx.stderr)")
    }
}

extension CommandLineTests.NewUserEdgesTests {
    /// The README's first command syncs the example tree shipped in the repository: a fresh clone
    /// has something to run on.
    @Test func theReadmesFirstCommandRunsOnTheShippedExampleTree() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let firstBlock = try #require(readme.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first)
        let command = try #require(firstBlock.split(separator: "\n").first { $0.hasPrefix("swift run -c release ingest start ") })
        // The same arguments, run from the repository as the README says.
        let arguments = command.dropFirst("swift run -c release ingest ".count).split(separator: " ").map(String.init)
        #expect(arguments.first == "start" && arguments[1] == "examples/data", "\(command)")
        let world = try CLIWorld()
        let absolute = ["start", root.appendingPathComponent(arguments[1]).path] + arguments.dropFirst(2).filter { $0 != "--progress" }
        let run = try await world.ingest.run(absolute)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("created 7,") && run.stdout.contains("failed 0"), "\(run.stdout)")
    }
}

extension CommandLineTests.NewUserEdgesTests {
    /// One exit-status rule (issue 12, B11): 64 for what the command line asks wrongly, 1 for what
    /// fails while running; and connection errors read as sentences.
    @Test func usageErrorsExit64FailuresExit1AndARefusedConnectionReadsAsASentence() async throws {
        let world = try CLIWorld()
        let badURL = try await world.ingest.run(["list", "--broker", "foo://x"])
        #expect(badURL.status == 64, "\(badURL.stderr)")
        let badSource = try await world.ingest.run(["start", world.source.path + "/missing", world.target])
        #expect(badSource.status == 64, "\(badSource.stderr)")
        let badTarget = try await world.ingest.run(["start", world.source.path, "relative/target"])
        #expect(badTarget.status == 64, "\(badTarget.stderr)")
        let missingJob = try await world.ingest.run(["stop", "no-such-job"])
        #expect(missingJob.status == 1, "\(missingJob.stderr)")
        let refused = try await world.ingest.run(["list", "--broker", "redis://127.0.0.1:1/0"])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("cannot connect to Redis at redis://127.0.0.1:1/0: Connection refused;"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("SingleConnectionFailure"), "\(refused.stderr)")
    }

    @Test func startSaysWhereItsProfileGoes() async throws {
        let world = try CLIWorld()
        try TreeBuilder.write(world.source.path, "a.txt", "a")
        let profile = world.home.subpath("run.jsonl")
        let run = try await world.ingest.run(["start", world.source.path, world.target, "--synchronous", "--profile_filename", profile])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("profile written to \(profile)"), "\(run.stdout)")
        #expect(FileManager.default.fileExists(atPath: profile))
        let queued = try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "later", "--profile"])
        #expect(queued.stdout.contains("workers write its profile to \(world.home.path)/profile-later.jsonl"), "\(queued.stdout)")
    }
}
