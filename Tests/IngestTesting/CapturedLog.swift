import Logging
import Synchronization

/// A log handler that keeps every message, so a test can check what was logged.
public final class CapturedLog: LogHandler, Sendable {
    private let captured = Mutex<[String]>([])

    public init() {}

    /// Each message as `LEVEL message`, in the order logged.
    public var lines: [String] { captured.withLock { $0 } }

    public func log(event: LogEvent) {
        let line = "\(event.level) \(event.message)"
        captured.withLock { $0.append(line) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    public var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    public var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
}
