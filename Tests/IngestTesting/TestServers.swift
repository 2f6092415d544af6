import Foundation
import IngestRedis

/// The servers `scripts/test` starts, found through environment variables.
///
/// A test that needs one throws when its variable is missing, so a run without the server
/// fails loudly instead of silently skipping what it would have checked.
public enum TestServers {
    public struct Missing: Error, CustomStringConvertible {
        public let variable: String

        public var description: String {
            "\(variable) is not set: this test needs a server that scripts/test starts. Run scripts/test, or start "
                + "the server yourself and export \(variable)"
        }
    }

    public static func environment(_ variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { throw Missing(variable: variable) }
        return value
    }

    /// The Redis server (`INGEST_TEST_REDIS_URL`).
    public static func redisURL() throws -> RedisURL {
        try RedisURL(parsing: environment("INGEST_TEST_REDIS_URL"))
    }
}
