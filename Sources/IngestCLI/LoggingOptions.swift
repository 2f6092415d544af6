import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import Logging
import Synchronization

/// iRODS automated ingest's logging options: JSON lines to a file, rolled over by time.
struct LoggingOptions: ParsableArguments {
    @Option(name: [.customLong("log_filename"), .customLong("log-filename")], help: "Write JSON-lines logs to this file (default: standard error).")
    var logFilename: String?

    @Option(name: [.customLong("log_level"), .customLong("log-level")], help: "Lowest level logged: DEBUG, INFO, WARNING, ERROR, CRITICAL (default: INFO to a file, WARNING to standard error).")
    var logLevel: String?

    @Option(name: [.customLong("log_when"), .customLong("log-when")], help: "Unit of --log_interval: S, M, H, D, midnight or W0-W6, as in Python's TimedRotatingFileHandler (default: no rotation).")
    var logWhen: String?

    @Option(name: [.customLong("log_interval"), .customLong("log-interval")], help: "Roll the log file over every N units of --log_when (default: 1).")
    var logInterval: Int?

    private static let bootstrapped = Mutex(false)

    func validate() throws {
        if let logInterval, !(1...LogSettings.maximumRotationInterval).contains(logInterval) {
            throw ValidationError("--log_interval must be from 1 to \(LogSettings.maximumRotationInterval), got \(logInterval)")
        }
    }

    /// Installs the process's log handler once and returns a logger for `label`. Flags override
    /// the configuration file's `logging` section.
    func makeLogger(label: String, configuration: LoggingConfiguration? = nil) throws -> Logger {
        let filename = logFilename ?? configuration?.filename
        let when = logWhen ?? configuration?.when
        let interval = logInterval ?? configuration?.interval
        let level = try parsedLevel(logLevel ?? configuration?.level, toFile: filename != nil)
        var sink: (@Sendable (String) -> Void)?
        if let filename {
            var rotation: LogRotation?
            if when != nil || interval != nil {
                rotation = try LogRotation(when: when ?? "H", interval: interval ?? 1)
            }
            let file = try RotatingLogFile(path: filename, rotation: rotation)
            sink = { file.append($0) }
        }
        let resolvedSink: @Sendable (String) -> Void = sink ?? { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let first = Self.bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first {
            LoggingSystem.bootstrap { label in
                JSONLinesLogHandler(label: label, level: level, sink: resolvedSink)
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    private func parsedLevel(_ logLevel: String?, toFile: Bool) throws -> Logger.Level {
        guard let logLevel else { return toFile ? .info : .warning }
        guard let level = LogSettings.level(named: logLevel) else {
            throw ValidationError("--log_level '\(logLevel)' is not one of \(LogSettings.levelNames)")
        }
        return level
    }
}
