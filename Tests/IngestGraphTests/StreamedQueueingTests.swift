import Foundation
import IngestCore
import IngestEngine
import IngestGraph
import IngestTesting
import Logging
import Synchronization
import Testing

/// A graph is queued a slice at a time, layer by layer, so memory stays bounded however large the
/// grid; the graph built is the one queued all at once, and a queueing cut short is finished by
/// another worker without a chunk queued twice.
@Suite struct StreamedQueueingTests {
    /// Queues every chunk of every layer in one submission, as `ingest graph` did before queueing
    /// was streamed: the reference the streamed build must match.
    private func submitAllAtOnce(_ graph: String, dataset: String, _ fixture: GraphFixture) async throws {
        let (job, _) = try await GraphJob.prepare(
            dataset: try GraphDataset.load(path: dataset), graphID: graph, test: false, retry: false,
            defaultStore: fixture.storePath(graph), opener: fixture.stores.opener)
        let spec = try JSONDecoder().decode(GraphSpec.self, from: job.spec)
        let chunks = spec.geometry.buildLayers.flatMap { spec.geometry.chunks(layer: $0) }
        try await fixture.broker.submit(job, tasks: GraphJob.tasks(for: chunks, spec: spec, dependOnChildren: true))
    }

    @Test(arguments: BrokerFactory.available)
    func aGraphQueuedInSlicesSmallerThanALayerIsTheGraphQueuedAllAtOnce(_ brokerKind: BrokerFactory) async throws {
        try await GraphFixture.run(brokerKind) { fixture in
            let dataset = try fixture.generate(chunks: [5, 4, 3], seed: 13)
            try await submitAllAtOnce("before", dataset: dataset, fixture)
            #expect(try await fixture.build("before").state == .completed)

            // 60 layer-2 chunks in slices of 7, and layers 3 (18 chunks) and 4 (4) in several slices too.
            let spec = try await fixture.submit("sliced", dataset: dataset, batchSize: 7)
            let status = try await fixture.build("sliced", workers: 2, concurrency: 2)
            #expect(status.state == .completed)
            let before = try await fixture.store("before"), sliced = try await fixture.store("sliced")
            #expect(try await sliced.allNodes() == before.allNodes())
            #expect(samePartition(try await roots(in: sliced), try groundTruth(dataset: dataset)))
            for layer in spec.geometry.buildLayers {
                #expect(status.counter(GraphCounter.chunksDone(layer: layer)) == Int64(spec.geometry.chunkCount(layer: layer)))
            }
            // No parent was built before any of its children.
            let order = try await sliced.buildOrder(layout: NodeIDLayout(spec.geometry))
            var position: [ChunkCoordinate: Int] = [:]
            for (index, chunk) in order.enumerated() { position[chunk] = index }
            #expect(position.count == spec.geometry.totalChunkCount)
            for chunk in order where chunk.layer >= 3 {
                for child in spec.geometry.children(of: chunk) {
                    #expect(position[child]! < position[chunk]!, "\(chunk) was built before its child \(child)")
                }
            }
        }
    }

    @Test func noBatchHandedToTheBrokerHoldsMoreTasksThanTheBatchSize() async throws {
        try await GraphFixture.run { fixture in
            // 256 + 32 + 4 + 1 chunks; slices of 16.
            let dataset = try fixture.generate(chunks: [8, 8, 4], side: 2, seed: 3)
            let submitting = BatchRecordingBroker(fixture.broker)
            let (job, tasks) = try await GraphJob.prepare(
                dataset: try GraphDataset.load(path: dataset), graphID: "g", test: false, retry: false,
                defaultStore: fixture.storePath("g"), opener: fixture.stores.opener, batchSize: 16)
            try await submitting.submit(job, tasks: tasks)
            #expect(submitting.recorded.largestSubmission == 1, "`ingest graph` submits the job with one task that queues the rest")

            let workers = Mutex<[BatchRecordingBroker]>([])
            let status = try await fixture.build("g", workers: 2, concurrency: 2) { broker in
                let recording = BatchRecordingBroker(broker)
                workers.withLock { $0.append(recording) }
                return recording
            }
            #expect(status.state == .completed)
            let records = workers.withLock { $0.map(\.recorded) }
            // A slice of 16 chunk tasks and the task that queues the next slice.
            #expect(records.map(\.largestSpawn).max() == 17)
            let spec = try #require(GraphSpec.decode(from: status))
            let every = spec.geometry.buildLayers.flatMap { spec.geometry.chunks(layer: $0) }.map(\.key)
            #expect(records.flatMap(\.chunkKeys).sorted() == every.sorted(), "every chunk queued exactly once")
        }
    }

    @Test func aQueueingTaskWhoseWorkerDiedIsRunAgainAndTheJobWaitsForIt() async throws {
        try await GraphFixture.run { fixture in
            let dataset = try fixture.generate(chunks: [4, 4, 2], seed: 5)
            let spec = try await fixture.submit("g", dataset: dataset, batchSize: 5)
            let queues = spec.geometry.buildLayers.reversed().map { GraphQueues.name(layer: $0) }

            // A worker claims what there is to claim, runs it, and is killed before it reports.
            let claimed = try await fixture.broker.claim(queues: queues, limit: 10, leaseDuration: 0.3, worker: "doomed")
            #expect(claimed.count == 1 && claimed.first?.kind != GraphJob.taskKind, "only the task that queues the chunks exists: \(claimed.map(\.key))")
            let task = try #require(claimed.first)
            let handler = try #require(GraphJob.handlers(stores: fixture.stores).first { $0.kind == task.kind })
            let lost = try await handler.handle(task, context: TaskContext(logger: Logger(label: "test"), cancellation: TaskCancellation()))
            #expect(lost.spawned.filter { $0.kind == GraphJob.taskKind }.count == 5)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await fixture.broker.job(named: "g")?.state.isTerminal == false, "a job still being queued does not look finished")
            #expect(try await fixture.broker.reapExpiredLeases() == 1)

            let status = try await fixture.build("g", workers: 2)
            #expect(status.state == .completed)
            for layer in spec.geometry.buildLayers {
                #expect(status.counter(GraphCounter.chunksDone(layer: layer)) == Int64(spec.geometry.chunkCount(layer: layer)))
            }
            #expect(samePartition(try await roots(in: fixture.store("g")), try groundTruth(dataset: dataset)))

            // The dead worker's report arrives after all: it is ignored, and nothing is queued twice.
            let applied = try await fixture.broker.finish([TaskCompletion(lease: task.lease, outcome: .succeeded, spawned: lost.spawned)])
            #expect(applied.isEmpty)
            let after = try #require(try await fixture.broker.job(named: "g"))
            #expect(after.state == .completed)
            #expect(after.counter(Counter.tasksQueued) == status.counter(Counter.tasksQueued))
        }
    }

    @Test func queueingTheUpperLayersAgainInSlicesRebuildsThemIdentically() async throws {
        try await GraphFixture.run { fixture in
            let dataset = try fixture.generate(chunks: [4, 4, 3], seed: 17)
            let spec = try await fixture.submit("g", dataset: dataset)
            try await fixture.build("g")
            let before = try await fixture.store("g").allNodes()
            // What `ingest layer 3` queues: layer 3 and every layer above it, a slice at a time.
            try await fixture.broker.enqueue([GraphJob.queueingTask(spec: spec, layers: 3...spec.geometry.rootLayer, batchSize: 3)])
            let again = try await fixture.build("g", workers: 2)
            #expect(again.state == .completed)
            #expect(try await fixture.store("g").allNodes() == before)
            #expect(again.counter(GraphCounter.chunksDone(layer: 3)) == Int64(spec.geometry.chunkCount(layer: 3)))
        }
    }
}
