import Foundation
import IngestPostgres
import Logging
import PostgresNIO

/// A PostgreSQL server for tests: the one `scripts/test` started (`shared()`), or a private one a
/// test starts for itself (`startPrivate()`) when it stops or restarts the server, which would
/// break every other test running against the shared one at the same time.
///
/// Tests that need PostgreSQL throw `Missing` when `INGEST_TEST_POSTGRES_URL` is not set, so a run
/// without a server fails loudly instead of silently skipping PostgreSQL's behaviour.
public final class PostgresTestServer: Sendable {
    public struct Missing: Error, CustomStringConvertible {
        let variable: String
        public var description: String {
            "\(variable) is not set: these tests need a PostgreSQL server. Run scripts/test, which installs and starts one "
                + "(initdb in a temporary directory, a loopback port) and exports INGEST_TEST_POSTGRES_URL, "
                + "INGEST_TEST_POSTGRES_DATA_DIR and INGEST_TEST_POSTGRES_CTL"
        }
    }

    public struct CommandFailed: Error, CustomStringConvertible {
        let command: [String]
        let status: Int32
        let output: String
        public var description: String { "\(command.joined(separator: " ")) exited with \(status): \(output)" }
    }

    private let serverURL: String
    private let dataDirectory: String
    private let controlProgram: String
    /// The private server's directory (data, socket, log), removed with the server.
    private let directory: ServerDirectory?

    private init(url: String, dataDirectory: String, controlProgram: String, directory: ServerDirectory?) {
        serverURL = url
        self.dataDirectory = dataDirectory
        self.controlProgram = controlProgram
        self.directory = directory
    }

    /// The server `scripts/test` started, from `INGEST_TEST_POSTGRES_URL`, `INGEST_TEST_POSTGRES_DATA_DIR`
    /// and `INGEST_TEST_POSTGRES_CTL`.
    public static func shared() throws -> PostgresTestServer {
        PostgresTestServer(
            url: try environment("INGEST_TEST_POSTGRES_URL"), dataDirectory: try environment("INGEST_TEST_POSTGRES_DATA_DIR"),
            controlProgram: try environment("INGEST_TEST_POSTGRES_CTL"), directory: nil)
    }

    /// The shared server's URL (its database `ingest_test`, user `postgres`).
    public static func url() throws -> String {
        try environment("INGEST_TEST_POSTGRES_URL")
    }

    /// This server's URL, for the database the server was created with.
    public func url() -> String { serverURL }

    /// Runs `body` with a new cluster of its own, stopped afterwards whether `body` throws or not.
    public static func withPrivate<Result>(_ body: (PostgresTestServer) async throws -> Result) async throws -> Result {
        let server = try await startPrivate()
        do {
            let result = try await body(server)
            await server.shutdown()
            return result
        } catch {
            await server.shutdown()
            throw error
        }
    }

    /// Starts a new cluster of its own (initdb into a temporary directory, a free loopback port),
    /// with the same programs, user and password as the shared server. Call `shutdown()` when done;
    /// `scripts/test` also stops, on exit, any that a killed test run left behind.
    public static func startPrivate() async throws -> PostgresTestServer {
        let shared = try shared()
        let sharedURL = try PostgresURL(parsing: shared.serverURL)
        let directory = try ServerDirectory()
        let bin = (shared.controlProgram as NSString).deletingLastPathComponent
        let passwordFile = directory.subpath("password")
        try Data(((sharedURL.password ?? "") + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        chmod(passwordFile, 0o644)
        let owner = try ownerName(of: shared.dataDirectory)
        let data = directory.subpath("data")
        try await run([bin + "/initdb", "-D", data, "-U", sharedURL.username, "--pwfile=" + passwordFile,
                 "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"], as: owner)
        let port = try TestServers.freeLoopbackPort()
        try await run([shared.controlProgram, "-D", data, "-l", directory.subpath("server.log"), "-w", "-t", "60",
                 "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory.path) -c fsync=off", "start"], as: owner)
        var url = sharedURL
        url.port = port
        url.database = "postgres"
        let server = PostgresTestServer(url: url.unredactedString, dataDirectory: data, controlProgram: shared.controlProgram, directory: directory)
        try await server.waitUntilAcceptingConnections()
        return server
    }

    /// Stops the server; connections break and new ones are refused until `start()`.
    public func stop() async throws {
        try await pgCtl(["-m", "fast", "-w", "stop"])
    }

    /// Starts a stopped server and waits until it accepts connections.
    public func start() async throws {
        try await pgCtl(["-w", "-t", "60", "start"])
        try await waitUntilAcceptingConnections()
    }

    /// `pg_ctl restart -m fast`: every connection is cut; waits until the server accepts connections again.
    public func restart() async throws {
        try await pgCtl(["-m", "fast", "-w", "-t", "60", "restart"])
        try await waitUntilAcceptingConnections()
    }

    /// Stops a private server and removes its directory (the shared one belongs to `scripts/test`).
    public func shutdown() async {
        guard directory != nil else { return }
        try? await pgCtl(["-m", "immediate", "stop"])
    }

    private func pgCtl(_ arguments: [String]) async throws {
        // pg_ctl keeps the original options (port, socket directory) in postmaster.opts for restart;
        // start needs them again, so they are read back from there.
        var command = [controlProgram, "-D", dataDirectory, "-l", (dataDirectory as NSString).deletingLastPathComponent + "/server.log"]
        if arguments.last == "start", let options = try? Self.postmasterOptions(dataDirectory) {
            command += ["-o", options]
        }
        try await Self.run(command + arguments, as: try Self.ownerName(of: dataDirectory))
    }

    /// Polls with a real connection: pg_ctl's wait ends when the postmaster is up, which can be a
    /// moment before it accepts logins.
    private func waitUntilAcceptingConnections() async throws {
        let url = try PostgresURL(parsing: serverURL)
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable)
        let logger = Logger(label: "ingest.test.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                try await connection.query("SELECT 1", logger: logger)
                try await connection.close()
                return
            } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private static func environment(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw Missing(variable: name) }
        return value
    }

    /// The options the server was started with, as `pg_ctl -o` takes them.
    private static func postmasterOptions(_ dataDirectory: String) throws -> String {
        let line = try String(contentsOfFile: dataDirectory + "/postmaster.opts", encoding: .utf8)
        // `"/usr/lib/postgresql/15/bin/postgres" "-D" "/data" "-c" "listen_addresses=..." ...`
        let words = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        var options: [String] = []
        var index = 0
        while index < words.count {
            if words[index] == "-D" { index += 2; continue }
            options.append(words[index])
            index += 1
        }
        return options.joined(separator: " ")
    }

    /// The user that owns the data directory: the server must run as that user, and root may not.
    private static func ownerName(of path: String) throws -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { throw CommandFailed(command: ["stat", path], status: errno, output: "") }
        guard geteuid() == 0, info.st_uid != 0, let entry = getpwuid(info.st_uid) else { return nil }
        return String(cString: entry.pointee.pw_name)
    }

    /// Runs a server program to its end, its output in a file.
    ///
    /// Spawned directly rather than with `Process`: the server that `pg_ctl start` leaves running
    /// would inherit `Process`'s exit-watching socket (and any other open descriptor of this test
    /// process), and `Process` would then wait for the server instead of pg_ctl. Here the child gets
    /// only stdin, stdout and stderr.
    private static func run(_ command: [String], as user: String?) async throws {
        let arguments = user.map { ["/usr/sbin/runuser", "-u", $0, "--"] + command } ?? command
        let outputPath = NSTemporaryDirectory() + "/ingest-pg-command-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // glibc has these (2.29, 2.34) but Swift's Glibc module does not show them.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") {
            // Server programs run as another user, who may not be allowed into the current directory.
            typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
            _ = unsafeBitCast(symbol, to: ChangeDirectory.self)(&actions, "/")
        }
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        guard spawned == 0 else { throw CommandFailed(command: arguments, status: spawned, output: String(cString: strerror(spawned))) }
        let child = pid
        // waitpid blocks, so it gets a thread of its own rather than one of the few the tests share.
        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) == -1 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        let exitedCleanly = status & 0x7f == 0 && (status >> 8) & 0xff == 0
        guard exitedCleanly else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw CommandFailed(command: arguments, status: status, output: text)
        }
    }

    /// A directory for one private server, where `scripts/test` looks for servers to stop
    /// (`INGEST_TEST_POSTGRES_SCRATCH`), else under `TMPDIR`; removed when released.
    private final class ServerDirectory: Sendable {
        let path: String

        init() throws {
            let environment = ProcessInfo.processInfo.environment
            let base = environment["INGEST_TEST_POSTGRES_SCRATCH"] ?? environment["TMPDIR"] ?? NSTemporaryDirectory()
            var template = Array((base as NSString).appendingPathComponent("ingest-postgres.XXXXXX").utf8CString)
            guard let created = mkdtemp(&template) else { throw CommandFailed(command: ["mkdtemp", base], status: errno, output: "") }
            path = String(cString: created)
            // The server runs as the postgres user and keeps its data and socket in here.
            chmod(path, 0o777)
        }

        deinit {
            _ = try? FileManager.default.removeItem(atPath: path)
        }

        func subpath(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    }
}

extension PostgresURL {
    /// The URL with its password, for handing to a catalog in tests.
    public var unredactedString: String {
        let user = username.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? username
        let secret = password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let databasePart = database.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? database
        return "postgres://\(user)\(secret)@\(hostPart):\(port)/\(databasePart)?sslmode=\(tls.rawValue)"
    }
}
