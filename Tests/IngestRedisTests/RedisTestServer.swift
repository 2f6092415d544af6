import Foundation
import IngestRedis

/// The Redis server the test script started, found through `INGEST_TEST_REDIS_URL`.
///
/// Tests that need it throw when the variable is missing, so a run without a server fails
/// loudly instead of silently skipping the client's behaviour.
enum RedisTestServer {
    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "INGEST_TEST_REDIS_URL is not set: these tests need a running redis-server. Run scripts/test, "
                + "which starts one, or start one yourself (redis-server --port 6390 --save '' --daemonize yes) "
                + "and export INGEST_TEST_REDIS_URL=redis://127.0.0.1:6390/0"
        }
    }

    /// The server's URL, optionally with another database selected.
    static func url(database: Int? = nil) throws -> RedisURL {
        guard let text = ProcessInfo.processInfo.environment["INGEST_TEST_REDIS_URL"], !text.isEmpty else {
            throw Missing()
        }
        var url = try RedisURL(parsing: text)
        if let database { url.database = database }
        return url
    }

    /// A connection to the test server.
    static func connect(
        database: Int? = nil, configuration: RedisConnection.Configuration = .init()
    ) async throws -> RedisConnection {
        try await RedisConnection.connect(to: url(database: database), configuration: configuration)
    }

    /// A key no other test (or earlier run) uses, so tests can run in parallel on one server.
    static func key(_ name: String) -> String {
        "ingest-test:{\(UUID().uuidString)}:\(name)"
    }
}
