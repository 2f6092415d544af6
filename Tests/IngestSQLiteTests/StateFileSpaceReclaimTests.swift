import Foundation
import GRDB
import IngestCore
import IngestSQLite
import IngestTesting
import Testing

/// A big job's tasks come and go; once it ends its state file gives the space back, instead of
/// staying at its peak size with nearly every page free.
@Suite struct StateFileSpaceReclaimTests {
    /// Free pages of the file and its size on disk, read as another process would.
    private func freePagesAndSize(_ path: String) throws -> (free: Int, pages: Int, bytes: Int) {
        let reader = try DatabaseQueue(path: path)
        let (free, pages) = try reader.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0)
        }
        try reader.close()
        let bytes = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        return (free, pages, bytes)
    }

    private func checkpoint(_ path: String) throws {
        let connection = try DatabaseQueue(path: path)
        try connection.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try connection.close()
    }

    private func turnOffAutoVacuum(_ path: String) throws {
        let old = try DatabaseQueue(path: path)
        try old.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA auto_vacuum = NONE")
            try db.execute(sql: "VACUUM")
        }
        try old.close()
    }

    private func autoVacuum(_ path: String) throws -> Int? {
        let reader = try DatabaseQueue(path: path)
        defer { try? reader.close() }
        return try reader.read { try Int.fetchOne($0, sql: "PRAGMA auto_vacuum") }
    }

    @Test func theStateFileShrinksWhenABigJobEnds() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("state.sqlite")
        let broker = try SQLiteBroker(path: path)
        let payload = Data(repeating: 0x61, count: 200)
        let tasks = (0..<50_000).map {
            NewTask(job: "big", queue: "q", kind: "noop", key: "t\($0)", payload: payload, retry: .default, entryCount: 1)
        }
        try await broker.submit(.test("big"), tasks: tasks)
        try checkpoint(path)
        let peak = try freePagesAndSize(path)

        while true {
            let claimed = try await broker.claim(queues: ["q"], limit: 1000, leaseDuration: 60, worker: "w")
            if claimed.isEmpty { break }
            _ = try await broker.finish(claimed.map { TaskCompletion(lease: $0.lease, outcome: .succeeded) })
        }
        #expect(try await broker.job(named: "big")?.state == .completed)
        try checkpoint(path)
        let after = try freePagesAndSize(path)

        #expect(peak.bytes > 10_000_000, "the job's tasks filled the file: \(peak)")
        #expect(after.free < 1_000, "free pages are given back when the job ends: \(after.free) of \(after.pages) free")
        #expect(after.bytes < peak.bytes / 5, "the file shrank from \(peak.bytes) to \(after.bytes) bytes")
    }

    @Test func flushGivesTheSpaceBack() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("state.sqlite")
        let broker = try SQLiteBroker(path: path)
        let payload = Data(repeating: 0x62, count: 200)
        try await broker.submit(.test("queued"), tasks: (0..<20_000).map {
            NewTask(job: "queued", queue: "q", kind: "noop", key: "t\($0)", payload: payload, retry: .default, entryCount: 1)
        })
        try checkpoint(path)
        let peak = try freePagesAndSize(path)

        try await broker.flush()
        try checkpoint(path)
        let after = try freePagesAndSize(path)

        #expect(after.free < 1_000, "\(after.free) of \(after.pages) pages free after a flush")
        #expect(after.bytes < peak.bytes / 5, "the file shrank from \(peak.bytes) to \(after.bytes) bytes")
    }

    @Test func aFileMadeWithoutIncrementalVacuumIsConvertedOnceAndKeepsItsJobs() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("state.sqlite")
        // A file as earlier versions made it: auto_vacuum NONE, and a job in it.
        do {
            let broker = try SQLiteBroker(path: path)
            try await broker.submit(.test("old"), tasks: [.test(job: "old", key: "a")])
        }
        try turnOffAutoVacuum(path)
        #expect(try autoVacuum(path) == 0)

        let broker = try SQLiteBroker(path: path)

        #expect(try autoVacuum(path) == 2, "converted to incremental")
        #expect(try await broker.job(named: "old")?.pendingTasks == 1, "the conversion keeps what the file held")
    }
}
