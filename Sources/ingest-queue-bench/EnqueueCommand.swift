import ArgumentParser
import Foundation
import IngestCore
import IngestRedis

/// `enqueue --count N`: submits the job with the first batch of no-op tasks and adds the rest
/// with `Broker.enqueue`, a few batches in flight at once on the one connection.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue", abstract: "Submit a job of N no-op tasks; print the seconds it took.")

    @OptionGroup var options: BenchOptions

    @Option(help: "Tasks to enqueue (default: 100000).")
    var count: Int = 100_000

    @Option(help: "Tasks per broker call (default: 1000).")
    var batch: Int = 1000

    @Option(help: "Broker calls in flight at once (default: 4).")
    var inflight: Int = 4

    func validate() throws {
        if count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
        if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if inflight < 1 { throw ValidationError("--inflight must be at least 1, got \(inflight)") }
    }

    func run() async throws {
        let broker = try options.openBroker()
        // Connected before the clock starts, as the Python rows ping first.
        try await broker.client.send(["PING"])
        let (job, queue) = (options.job, options.queue)
        // Building the tasks is part of enqueueing, as it is for the Python rows.
        let start = ContinuousClock.now
        let batches = stride(from: 0, to: count, by: batch).map { first in
            (first..<min(first + batch, count)).map { index in
                NewTask(job: job, queue: queue, kind: BenchOptions.noopKind, key: "t\(index)", payload: Data())
            }
        }
        try await broker.submit(JobDefinition(name: job, kind: "bench", spec: Data("{}".utf8)), tasks: batches[0])
        var pending = batches.dropFirst().makeIterator()
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            while true {
                while running < inflight, let tasks = pending.next() {
                    group.addTask { try await broker.enqueue(tasks) }
                    running += 1
                }
                guard running > 0 else { break }
                try await group.next()
                running -= 1
            }
        }
        let elapsed = seconds(since: start)
        await broker.close()
        print(String(format: "enqueued %d tasks in %.6f s", count, elapsed))
    }
}
