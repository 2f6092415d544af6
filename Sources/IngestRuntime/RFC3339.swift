import Foundation
import IngestCore

/// Times in JSON output (CLI and REST): RFC 3339 in UTC with milliseconds, so that consumers
/// parse one format and two events a second apart stay ordered.
public enum RFC3339 {
    public static func string(_ timestamp: Timestamp) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: timestamp))
    }
}
