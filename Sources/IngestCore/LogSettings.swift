import Logging

/// The logging values `--log_level`/`--log_when` and the configuration file's `logging` section
/// accept, kept in one place so the flag and the file agree.
public enum LogSettings {
    /// Python's level names (what iRODS automated ingest's users type) and swift-log's, in any case.
    public static func level(named name: String) -> Logger.Level? {
        switch name.lowercased() {
        case "trace": .trace
        case "debug": .debug
        case "info": .info
        case "notice": .notice
        case "warning", "warn": .warning
        case "error": .error
        case "critical", "fatal": .critical
        default: nil
        }
    }

    public static let levelNames = "DEBUG, INFO, WARNING, ERROR, CRITICAL (or TRACE, NOTICE)"

    /// Python's `TimedRotatingFileHandler` units, lower-cased.
    public static let rotationUnits = ["s", "m", "h", "d", "midnight"] + (0...6).map { "w\($0)" }

    /// The largest `--log_interval`: dates that many units ahead (100,000 weeks is about 1,900
    /// years) still fit the calendar, which cannot compute a rollover arbitrarily far away.
    public static let maximumRotationInterval = 100_000
}
