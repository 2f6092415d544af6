import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// Embedded state and catalog paths that cannot work: each gets a message naming the path and
    /// the fix, and commands that only read create nothing.
    @Suite struct StateFilePathErrorTests {
        /// Every file and directory under `root`, relative to it.
        private func tree(_ root: String) -> Set<String> {
            Set(FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
        }

        @Test func readOnlyCommandsOnAMissingStateCreateNothingAndSaySo() async throws {
            let world = try CLIWorld()
            let missing = world.home.subpath("nonexistent/dir/x.db")
            for arguments in [["list"], ["failed"], ["history", "nightly"], ["watch", "nightly"]] {
                let result = try await world.ingest.run(arguments + ["--broker", "sqlite:\(missing)"])
                #expect(result.status != 0, "\(arguments)")
                #expect(result.stderr.contains("no state at '\(missing)' yet"), "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains("nothing has run"), "\(arguments): \(result.stderr)")
            }
            for arguments in [["ls", world.target], ["stat", world.target], ["resource", "ls"], ["verify", world.target]] {
                let result = try await world.ingest.run(arguments + ["--catalog", "sqlite:\(missing)"])
                #expect(result.status != 0, "\(arguments)")
                #expect(result.stderr.contains("no catalog at '\(missing)' yet"), "\(arguments): \(result.stderr)")
            }
            #expect(tree(world.home.path).isEmpty, "nothing was created: \(tree(world.home.path))")
        }

        @Test func readOnlyCommandsOnAFreshHomeCreateNothing() async throws {
            let world = try CLIWorld()
            for arguments in [["list"], ["failed"], ["ls", world.target], ["resource", "ls"]] {
                let result = try await world.ingest.run(arguments)
                #expect(result.status != 0, "\(arguments)")
                #expect(result.stderr.contains("nothing has run with INGEST_HOME '\(world.home.path)'"), "\(arguments): \(result.stderr)")
            }
            #expect(tree(world.home.path).isEmpty, "nothing was created: \(tree(world.home.path))")
        }

        @Test func aDeviceIsNotTakenForAStateFile() async throws {
            let world = try CLIWorld()
            for arguments in [["list"], ["start", world.source.path, world.target]] {
                let result = try await world.ingest.run(arguments + ["--broker", "sqlite:/dev/null"])
                #expect(result.status != 0)
                #expect(result.stderr.contains("state file '/dev/null' is a character device, not a regular file"), "\(result.stderr)")
                #expect(result.stderr.contains("--broker sqlite:PATH"), "\(result.stderr)")
                #expect(!result.stderr.contains("disk I/O error"))
            }
            let catalog = try await world.ingest.run(["start", world.source.path, world.target, "--catalog", "sqlite:/dev/null"])
            #expect(catalog.stderr.contains("catalog file '/dev/null' is a character device"), "\(catalog.stderr)")
        }

        @Test func aDirectoryIsNotTakenForAStateFile() async throws {
            let world = try CLIWorld()
            let result = try await world.ingest.run(["start", world.source.path, world.target, "--broker", "sqlite:\(world.source.path)"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("state file '\(world.source.path)' is a directory"), "\(result.stderr)")
            #expect(result.stderr.contains("sqlite:\(world.source.path)/state.sqlite"), "the fix names a file in it: \(result.stderr)")
        }

        @Test func anExplicitPathInAMissingDirectoryIsRefusedAndTheDirectoryNotMade() async throws {
            let world = try CLIWorld()
            let missing = world.home.subpath("typo/state.sqlite")
            let result = try await world.ingest.run(["start", world.source.path, world.target, "--broker", "sqlite:\(missing)"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("directory '\(world.home.subpath("typo"))' does not exist"), "\(result.stderr)")
            #expect(result.stderr.contains("mkdir -p"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: world.home.subpath("typo")))
        }

        @Test func theDefaultHomeIsCreatedWhenMissing() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            var ingest = world.ingest
            ingest = IngestProcess(home: world.home.subpath("new/home"))
            let result = try await ingest.run(["start", world.source.path, world.target, "--synchronous"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(FileManager.default.fileExists(atPath: world.home.subpath("new/home/state.sqlite")))
            #expect(FileManager.default.fileExists(atPath: world.home.subpath("new/home/catalog.sqlite")))
        }

        @Test func anOverLongPathIsNamedAsSuch() async throws {
            let world = try CLIWorld()
            let long = world.home.subpath(String(repeating: "n", count: 300) + "/state.sqlite")
            for arguments in [["start", world.source.path, world.target], ["list"]] {
                let result = try await world.ingest.run(arguments + ["--broker", "sqlite:\(long)"])
                #expect(result.status != 0)
                #expect(result.stderr.contains("the path is too long"), "\(arguments): \(result.stderr)")
            }
        }

        @Test func anUnwritableDirectoryIsNamedWithTheFix() async throws {
            let world = try CLIWorld()
            // Root writes anywhere: the command runs as nobody.
            if getuid() == 0 { world.ingest.runAsUser = "65534" }
            let locked = world.home.subpath("locked")
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
            chmod(locked, 0o555)
            chmod(world.source.path, 0o755)
            let result = try await world.ingest.run(["start", world.source.path, world.target, "--broker", "sqlite:\(locked)/state.sqlite"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("cannot write in directory '\(locked)'"), "\(result.stderr)")
        }
    }
}
