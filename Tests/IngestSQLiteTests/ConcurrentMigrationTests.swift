import Foundation
import IngestCore
import IngestSQLite
import IngestTesting
import Synchronization
import Testing

/// Many processes open a fresh state at once (workers and `start` launched together): every
/// opening must succeed, whichever of them creates the tables.
@Suite struct ConcurrentMigrationTests {
    /// Opens `count` brokers or catalogs on one new file from as many threads, each its own
    /// connection (SQLite locks them as it would separate processes), released together.
    private func openAtOnce(count: Int, _ open: @escaping @Sendable (String) throws -> Void) throws -> [String] {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("fresh/state.sqlite")
        let failures = Mutex<[String]>([])
        let ready = Mutex(0)
        let go = Mutex(false)
        let done = DispatchGroup()
        for _ in 0..<count {
            done.enter()
            Thread {
                ready.withLock { $0 += 1 }
                while !go.withLock({ $0 }) { usleep(100) }
                do { try open(path) } catch { failures.withLock { $0.append("\(error)") } }
                done.leave()
            }.start()
        }
        while ready.withLock({ $0 }) < count { usleep(1000) }
        go.withLock { $0 = true }
        done.wait()
        return failures.withLock { $0 }
    }

    @Test func brokersOpenedAtOnceOnAFreshFileAllSucceed() throws {
        for _ in 0..<5 {
            let failures = try openAtOnce(count: 12) { path in
                let broker = try SQLiteBroker(path: path)
                _ = broker
            }
            #expect(failures.isEmpty, "\(failures.count) of 12 openings failed: \(failures.prefix(3))")
        }
    }

    @Test func catalogsOpenedAtOnceOnAFreshFileAllSucceed() throws {
        for _ in 0..<5 {
            let failures = try openAtOnce(count: 12) { path in
                let catalog = try SQLiteCatalog(path: path)
                _ = catalog
            }
            #expect(failures.isEmpty, "\(failures.count) of 12 openings failed: \(failures.prefix(3))")
        }
    }

    @Test func aBrokerOpenedAtOnceWithOthersWorks() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("state.sqlite")
        let brokers = try await withThrowingTaskGroup(of: SQLiteBroker.self) { group in
            for _ in 0..<8 { group.addTask { try SQLiteBroker(path: path) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await brokers[0].submit(.test(), tasks: [.test(key: "a")])
        let claimed = try await brokers[7].claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w")
        #expect(claimed.map(\.key) == ["a"])
    }
}
