import Foundation

/// Runs the built `ingest` executable, as a user would, with its own `INGEST_HOME`.
public struct IngestProcess: Sendable {
    public let home: String
    public var extraEnvironment: [String: String] = [:]
    /// When set, the command runs as this user through `setpriv` (used to make a file unreadable even when tests run as root).
    public var runAsUser: String?

    public init(home: String) {
        self.home = home
    }

    /// The `ingest` binary next to the test bundle, or `$INGEST_BIN`.
    public static var executable: String {
        if let explicit = ProcessInfo.processInfo.environment["INGEST_BIN"] { return explicit }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("ingest").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/ingest").path
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Starts `ingest ARGS` without waiting; its standard output and error go to `standardOutput`
    /// and `standardError` when given.
    public func launch(_ arguments: [String], stdin: FileHandle? = nil, standardOutput: FileHandle? = nil, standardError: FileHandle? = nil) throws -> Process {
        let process = makeProcess(arguments)
        process.standardInput = stdin ?? FileHandle.nullDevice
        if let standardOutput { process.standardOutput = standardOutput }
        if let standardError { process.standardError = standardError }
        try ChildProcesses.launch(process)
        return process
    }

    /// Launches `ingest worker ARGS` and returns once it has logged that it started, so its signal
    /// handlers are in place: a SIGTERM before that ends the process the default way (status 143).
    public func launchStartedWorker(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Process {
        let errorFile = try TemporaryFile()
        let process = makeProcess(["worker"] + arguments + ["--log_level", "INFO"])
        process.standardInput = FileHandle.nullDevice
        process.standardError = errorFile.handle
        try ChildProcesses.launch(process)
        let deadline = ContinuousClock.now + timeout
        while !errorFile.contents().contains("worker started") {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw WorkerDidNotStart(log: errorFile.contents())
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process
    }

    /// A running `ingest serve`, with the port it printed and what it has written so far.
    public struct Server: @unchecked Sendable {
        public let process: Process
        public let port: Int
        fileprivate let outputFile: TemporaryFile
        public var baseURL: String { "http://127.0.0.1:\(port)" }
        public func output() -> String { outputFile.contents() }
    }

    /// Launches `ingest serve --port 0 ARGS` and returns once it listens (its `serving http://HOST:PORT` line).
    public func launchServer(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Server {
        let outputFile = try TemporaryFile()
        let process = makeProcess(["serve", "--port", "0"] + arguments)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outputFile.handle
        process.standardError = outputFile.handle
        try ChildProcesses.launch(process)
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = outputFile.contents()
            if let range = text.range(of: #"serving https?://[^ ]+:(\d+)"#, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last ?? "")
            {
                return Server(process: process, port: port, outputFile: outputFile)
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                if process.isRunning { process.terminate() }
                throw WorkerDidNotStart(log: text)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs `ingest ARGS` to its end and captures its output; the wait holds no thread.
    @discardableResult
    public func run(_ arguments: [String], input: String? = nil) async throws -> Result {
        let outputFile = try TemporaryFile()
        let errorFile = try TemporaryFile()
        let process = makeProcess(arguments)
        process.standardOutput = outputFile.handle
        process.standardError = errorFile.handle
        if let input {
            // Written to a file rather than a pipe, so a large input cannot block the launch.
            let inputFile = try TemporaryFile()
            inputFile.handle.write(Data(input.utf8))
            try inputFile.handle.seek(toOffset: 0)
            process.standardInput = inputFile.handle
            try await process.runToExit()
        } else {
            process.standardInput = FileHandle.nullDevice
            try await process.runToExit()
        }
        return Result(status: process.terminationStatus, stdout: outputFile.contents(), stderr: errorFile.contents())
    }

    private func makeProcess(_ arguments: [String]) -> Process {
        let process = Process()
        if let runAsUser {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(runAsUser)", "--regid=\(runAsUser)", "--clear-groups", Self.executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["INGEST_HOME"] = home
        environment.removeValue(forKey: "INGEST_BROKER_URL")
        environment.removeValue(forKey: "INGEST_CATALOG_URL")
        for (key, value) in extraEnvironment { environment[key] = value }
        process.environment = environment
        return process
    }

    /// Runs `ingest ARGS --json` and decodes its output.
    public func json(_ arguments: [String]) async throws -> Any {
        let result = try await run(arguments + ["--json"])
        guard result.status == 0 else {
            throw CommandFailed(arguments: arguments, result: result)
        }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    public struct CommandFailed: Error, CustomStringConvertible {
        public var arguments: [String]
        public var result: Result
        public var description: String {
            "ingest \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)"
        }
    }
}

/// A file that captures a child process's output without the pipe-buffer deadlocks of `Pipe`.
final class TemporaryFile {
    let path: String
    let handle: FileHandle

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/ingest-output.XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func contents() -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    deinit {
        unlink(path)
    }
}

/// A worker process ended or stayed silent instead of logging its start.
public struct WorkerDidNotStart: Error, CustomStringConvertible {
    public var log: String
    public var description: String { "the worker did not start; its log:\n\(log)" }
}
