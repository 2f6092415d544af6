import Foundation
import IngestTesting
import Testing

extension CommandLineTests {
    /// Swift repairs a command-line argument that is not UTF-8 (each bad byte becomes U+FFFD), so an
    /// existing source was reported as "No such file" and two different targets became one
    /// collection. Both are refused, naming the argument with its bytes escaped, and the fix.
    @Suite struct NonUTF8ArgumentTests {
        /// Runs `ingest` with arguments given as `printf` formats (`caf\351`), through the shell,
        /// since `Process` takes arguments only as Swift strings.
        private func runRaw(_ world: CLIWorld, _ formats: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            let output = world.home.subpath("raw-stdout"), errors = world.home.subpath("raw-stderr")
            let script = "exec \"$0\"" + formats.indices.map { " \"$(printf -- \"${\($0 + 1)}\")\"" }.joined() + " >\"$INGEST_RAW_OUT\" 2>\"$INGEST_RAW_ERR\""
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script, IngestProcess.executable] + formats
            var environment = ProcessInfo.processInfo.environment
            environment["INGEST_HOME"] = world.home.path
            environment["INGEST_RAW_OUT"] = output
            environment["INGEST_RAW_ERR"] = errors
            environment.removeValue(forKey: "INGEST_BROKER_URL")
            environment.removeValue(forKey: "INGEST_CATALOG_URL")
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            try await process.runToExit()
            func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
            return (process.terminationStatus, read(output), read(errors))
        }

        private func makeDirectory(_ bytes: [UInt8]) {
            #expect(mkdir((bytes.map { CChar(bitPattern: $0) } + [0]), 0o755) == 0)
        }

        @Test func existingSourceWhoseNameIsNotUTF8IsRefusedWithItsNameAndTheFix() async throws {
            let world = try CLIWorld()
            makeDirectory(Array(world.source.path.utf8) + Array("/caf".utf8) + [0xE9])
            let result = try await runRaw(world, ["start", world.source.path + "/caf\\351", world.target])
            #expect(result.status != 0)
            #expect(result.stderr.contains("source '\(world.source.path)/caf\\xE9' exists"), "\(result.stderr)")
            #expect(result.stderr.contains("give its parent directory '\(world.source.path)'"), "\(result.stderr)")
            #expect(!result.stderr.contains("No such file"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: world.home.subpath("state.sqlite")), "nothing was created")
        }

        @Test func targetThatIsNotUTF8IsRefusedSoTwoTargetsCannotBecomeOne() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "a.txt", "a")
            for byte in ["\\351", "\\350"] {
                let result = try await runRaw(world, ["start", world.source.path, "/tempZone/home/caf" + byte, "--synchronous"])
                #expect(result.status == 64, "\(result.stderr)")
                #expect(result.stderr.contains("target '/tempZone/home/caf\\x"), "names it with its bytes escaped: \(result.stderr)")
                #expect(result.stderr.contains("give it in UTF-8"), "\(result.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: world.home.subpath("state.sqlite")), "nothing was queued")
            #expect(!FileManager.default.fileExists(atPath: world.home.subpath("catalog.sqlite")), "no collection was made")
        }

        @Test func utf8ArgumentsStillWork() async throws {
            let world = try CLIWorld()
            try TreeBuilder.write(world.source.path, "café/a.txt", "a")
            let result = try await runRaw(world, ["start", world.source.path + "/caf\\303\\251", "/tempZone/home/caf\\303\\251", "--synchronous"])
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    /// An `INGEST_HOME` that cannot be created, or a path too long for the file system, was reported
    /// as `NSCocoaErrorDomain Code=512 "(null)"`; the message now names the path, the reason and the fix.
    @Suite struct UnusablePathMessageTests {
        @Test func ingestHomeBelowAFileNamesThePathAndTheFix() async throws {
            let world = try CLIWorld()
            try "x".write(toFile: world.home.subpath("file"), atomically: true, encoding: .utf8)
            let home = world.home.subpath("file/home")
            let result = try await IngestProcess(home: home).run(["start", world.source.path, world.target])
            #expect(result.status == 1)
            #expect(result.stderr.contains("'\(home)/state.sqlite'"), "names the path: \(result.stderr)")
            #expect(result.stderr.contains("is a file, not a directory") || result.stderr.contains("a component of the path is a file"), "\(result.stderr)")
            #expect(result.stderr.contains("set INGEST_HOME to"), "\(result.stderr)")
            #expect(!result.stderr.contains("Code=512") && !result.stderr.contains("(null)"), "\(result.stderr)")
        }

        @Test func overLongIngestHomeNamesTheLimit() async throws {
            let world = try CLIWorld()
            let home = world.home.subpath(String(repeating: "h", count: 300))
            let result = try await IngestProcess(home: home).run(["start", world.source.path, world.target])
            #expect(result.status == 1)
            #expect(result.stderr.contains(home), "names the path: \(result.stderr)")
            #expect(result.stderr.contains("255"), "names the limit: \(result.stderr)")
            #expect(result.stderr.contains("set INGEST_HOME"), "\(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"), "\(result.stderr)")
        }

        @Test func profileHTMLThatCannotBeWrittenNamesThePath() async throws {
            let world = try CLIWorld()
            let profile = world.home.subpath("profile.jsonl")
            try "".write(toFile: profile, atomically: true, encoding: .utf8)
            try "x".write(toFile: world.home.subpath("file"), atomically: true, encoding: .utf8)
            let output = world.home.subpath("file/out.html")
            let result = try await world.ingest.run(["profile", profile, "--html", output])
            #expect(result.status == 1)
            #expect(result.stderr.contains("'\(output)' cannot be created or opened"), "\(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"), "\(result.stderr)")
        }
    }
}
