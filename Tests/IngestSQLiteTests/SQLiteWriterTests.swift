import Foundation
import GRDB
import IngestCore
@testable import IngestSQLite
import IngestTesting
import Synchronization
import Testing

/// The broker's per-task transactions run on the calling thread only when they can start at once.
@Suite struct SQLiteWriterTests {
    @Test func claimsWhileAnotherProcessHoldsTheWriteLockWaitForItOnTheWriterQueue() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("state.sqlite")
        let broker = try SQLiteBroker(path: path)
        try await broker.submit(.test(), tasks: (0..<4).map { .test(key: "t\($0)") })

        // Another connection (SQLite locks it as it would another process) takes the write lock, on a
        // thread of its own, and keeps it until the claims below are all waiting.
        let holder = try DatabaseQueue(path: path)
        let state = Mutex((locked: false, release: false, releasedAt: Date?.none))
        let thread = Thread {
            try? holder.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                state.withLock { $0.locked = true }
                while !state.withLock({ $0.release }) { Thread.sleep(forTimeInterval: 0.005) }
                state.withLock { $0.releasedAt = Date() }
                try db.execute(sql: "COMMIT")
            }
        }
        thread.start()
        while !state.withLock({ $0.locked }) { try await Task.sleep(for: .milliseconds(5)) }

        // Claims made while the lock is held wait on the writer queue, not on the calling thread.
        let claims = Task {
            try await withThrowingTaskGroup(of: [ClaimedTask].self) { group in
                for _ in 0..<4 {
                    group.addTask { try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w") }
                }
                return try await group.reduce(into: [ClaimedTask]()) { $0 += $1 }
            }
        }
        let deadline = Date().addingTimeInterval(20)
        while broker.writer.writesInProgress < 4 && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(100))
        state.withLock { $0.release = true }
        let claimed = try await claims.value
        let finished = Date()

        #expect(Set(claimed.map(\.key)) == ["t0", "t1", "t2", "t3"], "every claim waited for the lock and got its task")
        let releasedAt = try #require(state.withLock { $0.releasedAt })
        #expect(finished >= releasedAt, "the claims waited for the lock rather than failing")
        #expect(broker.writer.writesOnCallingThread == 0, "no claim waited for the lock on a cooperative thread")

        // With the lock free again, a claim runs on the calling thread.
        try await broker.submit(.test("second"), tasks: [.test(job: "second", key: "u")])
        let next = try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w")
        #expect(next.map(\.key) == ["u"])
        #expect(broker.writer.writesOnCallingThread == 1)
    }

    @Test func aClaimWithNothingInTheWayWorksAndTheBrokerStaysUsable() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "a"), .test(key: "b")])
        let first = try await subject.broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w")
        let applied = try await subject.broker.finish([TaskCompletion(lease: try #require(first.first).lease, outcome: .succeeded)])
        #expect(applied.count == 1)
        let second = try await subject.broker.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w")
        #expect(second.map(\.key) == ["b"])
    }
}
