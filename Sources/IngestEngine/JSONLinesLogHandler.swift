import Foundation
import Logging
import Synchronization

/// When a log file rolls over, with the meaning of Python's `TimedRotatingFileHandler`
/// (`--log_when` S, M, H, D, midnight, W0-W6 and `--log_interval N`), which iRODS automated ingest's users know.
public struct LogRotation: Sendable, Equatable {
    public enum Unit: Sendable, Equatable {
        case seconds, minutes, hours, days, midnight
        case weekday(Int)  // 0 = Monday, as in Python
    }

    public var unit: Unit
    public var interval: Int

    /// Parses `--log_when` and `--log_interval`.
    /// - Throws: `IngestErrorForLogging.invalid` naming the option and the accepted values.
    public init(when: String, interval: Int) throws {
        guard interval >= 1 else {
            throw IngestErrorForLogging.invalid("--log_interval", "must be at least 1, got \(interval)")
        }
        switch when.uppercased() {
        case "S": unit = .seconds
        case "M": unit = .minutes
        case "H": unit = .hours
        case "D": unit = .days
        case "MIDNIGHT": unit = .midnight
        case let day where day.count == 2 && day.hasPrefix("W") && ("0"..."6").contains(String(day.last!)):
            unit = .weekday(Int(String(day.last!))!)
        default:
            throw IngestErrorForLogging.invalid("--log_when", "'\(when)' is not one of S, M, H, D, midnight, W0-W6")
        }
        self.interval = interval
    }

    /// The first rollover after `start`.
    public func nextRollover(after start: Date, calendar: Calendar = .current) -> Date {
        switch unit {
        case .seconds: return start.addingTimeInterval(Double(interval))
        case .minutes: return start.addingTimeInterval(Double(interval) * 60)
        case .hours: return start.addingTimeInterval(Double(interval) * 3600)
        case .days: return start.addingTimeInterval(Double(interval) * 86400)
        case .midnight:
            let midnight = calendar.startOfDay(for: start)
            return calendar.date(byAdding: .day, value: interval, to: midnight)!
        case .weekday(let day):
            // As Python does: at the midnight that ends the next such weekday (tonight if today is that day).
            let tonight = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: start))!
            // Calendar weekdays: 1 = Sunday ... 7 = Saturday; Python's W0 is Monday.
            let today = (calendar.component(.weekday, from: start) + 5) % 7
            let days = (day - today + 7) % 7
            return calendar.date(byAdding: .day, value: days, to: tonight)!
        }
    }

    /// The suffix a rotated file gets, as Python names them.
    public var suffixFormat: String {
        switch unit {
        case .seconds: "yyyy-MM-dd_HH-mm-ss"
        case .minutes: "yyyy-MM-dd_HH-mm"
        case .hours: "yyyy-MM-dd_HH"
        case .days, .midnight, .weekday: "yyyy-MM-dd"
        }
    }
}

/// Option errors raised while setting up logging, before the rest of the engine runs.
public enum IngestErrorForLogging: Error, CustomStringConvertible {
    case invalid(String, String)
    case cannotOpen(String, String)

    public var description: String {
        switch self {
        case .invalid(let option, let reason): "option \(option): \(reason)"
        case .cannotOpen(let path, let reason): "cannot open log file \(path): \(reason); check --log_filename"
        }
    }
}

/// A log file shared by every logger of the process, appended to with one write per line and
/// rolled over by time.
public final class RotatingLogFile: Sendable {
    private struct State {
        var descriptor: Int32
        var rolloverAt: Date?
        var openedAt: Date
    }

    public let path: String
    private let rotation: LogRotation?
    private let state: Mutex<State>

    public init(path: String, rotation: LogRotation?) throws {
        self.path = path
        self.rotation = rotation
        let descriptor = try Self.open(path)
        var openedAt = Date()
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_size > 0 {
            openedAt = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec))
        }
        state = Mutex(State(descriptor: descriptor, rolloverAt: rotation?.nextRollover(after: openedAt), openedAt: openedAt))
    }

    deinit {
        _ = state.withLock { close($0.descriptor) }
    }

    private static func open(_ path: String) throws -> Int32 {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw IngestErrorForLogging.cannotOpen(path, String(cString: strerror(errno)))
        }
        return descriptor
    }

    public func append(_ line: String) {
        state.withLock { state in
            let now = Date()
            if let rolloverAt = state.rolloverAt, now >= rolloverAt, let rotation {
                rollOver(&state, rotation: rotation, now: now)
            }
            var bytes = Array(line.utf8)
            bytes.append(10)
            _ = bytes.withUnsafeBytes { Glibc.write(state.descriptor, $0.baseAddress, $0.count) }
        }
    }

    private func rollOver(_ state: inout State, rotation: LogRotation, now: Date) {
        let formatter = DateFormatter()
        formatter.dateFormat = rotation.suffixFormat
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let rotatedPath = path + "." + formatter.string(from: state.openedAt)
        // Another process sharing the file may have rolled it over already: then only reopen.
        var current = stat()
        var mine = stat()
        let alreadyRotated = stat(path, &current) != 0 || (fstat(state.descriptor, &mine) == 0 && current.st_ino != mine.st_ino)
        if !alreadyRotated && access(rotatedPath, F_OK) != 0 {
            rename(path, rotatedPath)
        }
        if let descriptor = try? Self.open(path) {
            close(state.descriptor)
            state.descriptor = descriptor
        }
        state.openedAt = now
        state.rolloverAt = rotation.nextRollover(after: now)
    }
}

/// Writes one JSON object per log record: time, level, label, message and metadata.
public struct JSONLinesLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let sink: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level, sink: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var record: [String: Any] = [
            "time": Self.timestamp(),
            "level": event.level.rawValue,
            "label": label,
            "message": "\(event.message)",
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            record[key] = "\(value)"
        }
        if let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]),
            let line = String(data: data, encoding: .utf8)
        {
            sink(line)
        }
    }

    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
