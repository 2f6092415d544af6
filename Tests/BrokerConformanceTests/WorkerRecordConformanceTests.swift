import Foundation
import IngestCore
import IngestTesting
import Testing

/// Live worker records: written with each heartbeat, gone when not renewed or when removed.
@Suite struct WorkerRecordConformanceTests {
    /// Started at a fixed time per worker (`a` first), so the order is known.
    private func record(_ id: String, queues: [String] = ["restart", "path"], done: Int = 0) -> WorkerRecord {
        WorkerRecord(
            id: id, host: "host-\(id)", pid: 42, queues: queues, concurrency: 4, startedAt: 1_700_000_000 + Double(id.utf8.first ?? 0),
            lastHeartbeat: currentTimestamp(), running: 1, done: done)
    }

    @Test(arguments: BrokerFactory.available)
    func aWorkerIsLiveFromItsHeartbeatUntilItIsRemoved(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        #expect(try await broker.liveWorkers().isEmpty)
        try await broker.heartbeat(record("a"), ttl: 30)
        try await broker.heartbeat(record("b", queues: []), ttl: 30)
        try await broker.heartbeat(record("a", done: 7), ttl: 30)
        let live = try await broker.liveWorkers()
        #expect(live.map(\.id) == ["a", "b"])
        #expect(live.first?.done == 7, "a newer heartbeat replaces the record")
        #expect(live.last?.serves("anything") == true, "no queues listed: every queue")
        #expect(live.first?.serves("file") == false)
        try await broker.removeWorker(id: "a")
        #expect(try await broker.liveWorkers().map(\.id) == ["b"])
    }

    @Test(arguments: BrokerFactory.available)
    func aWorkerThatStopsBeatingIsNoLongerLive(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.heartbeat(record("dead"), ttl: 0.2)
        try await broker.heartbeat(record("alive"), ttl: 30)
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await broker.liveWorkers().map(\.id) == ["alive"])
    }
}
