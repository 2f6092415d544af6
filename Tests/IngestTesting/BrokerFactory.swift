import Foundation
import IngestCore
import IngestRedis
import IngestSQLite

/// The brokers the conformance suite runs against. Each gives a fresh, empty broker.
public enum BrokerFactory: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case redis

    public var description: String { rawValue }

    /// Every broker runs every conformance test. The Redis cases fail (not skip) when the test
    /// command did not start a server, so a run can never silently leave a broker untested.
    public static var available: [BrokerFactory] { [.sqlite, .redis] }

    public func make() throws -> BrokerUnderTest {
        let directory = try TemporaryDirectory(prefix: "ingest-broker")
        switch self {
        case .sqlite:
            let path = directory.subpath("state.sqlite")
            return BrokerUnderTest(broker: try SQLiteBroker(path: path), directory: directory) { try SQLiteBroker(path: path) }
        case .redis:
            // Each test gets its own key prefix on the shared server, so tests run in parallel.
            let url = try TestServers.redisURL()
            let prefix = "ingest-test-\(UUID().uuidString):"
            return BrokerUnderTest(broker: RedisBroker(url: url, keyPrefix: prefix), directory: directory) {
                RedisBroker(url: url, keyPrefix: prefix)
            }
        }
    }
}

/// A fresh broker and whatever keeps it alive (its files) for the length of a test.
public struct BrokerUnderTest: Sendable {
    public let broker: any Broker
    let directory: TemporaryDirectory
    let open: @Sendable () throws -> any Broker

    /// Another broker on the same store, as a restarted worker process would open.
    public func reopened() throws -> any Broker { try open() }
}

extension NewTask {
    /// A small task for broker tests.
    public static func test(job: String = "job", queue: String = "q", key: String = "k", retry: RetryPolicy = .default, entryCount: Int = 1) -> NewTask {
        NewTask(job: job, queue: queue, kind: "test", key: key, payload: Data(key.utf8), retry: retry, entryCount: entryCount)
    }
}

extension JobDefinition {
    public static func test(_ name: String = "job") -> JobDefinition {
        JobDefinition(name: name, kind: "test", spec: Data("{}".utf8))
    }
}
