import ArgumentParser

/// `ingest-queue-bench`: the Ingest side of `bench/queue`. `enqueue` fills one job with no-op
/// tasks, `work` runs the real `Worker` on them until the job ends, `wait` reports when it ended.
/// `failed-page` is `bench/failed-page`'s: pages of a failed registry of a million tasks.
@main
struct QueueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-queue-bench",
        abstract: "Queue benchmark helpers: enqueue no-op tasks into Redis, work them off, wait for the job to end; time failed pages.",
        subcommands: [EnqueueCommand.self, WorkCommand.self, WaitCommand.self, FailedPageCommand.self])
}
