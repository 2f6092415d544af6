import IngestCore

/// One ended pass of a job, as `ingest history` and `list` (its last pass) show it.
public struct PassSummary: Encodable, Sendable {
    public var pass: Int
    public var state: String
    public var startedAt: String
    public var finishedAt: String
    public var elapsedSeconds: Double
    public var entriesCreated: Int64
    public var entriesUpdated: Int64
    public var entriesUnchanged: Int64
    public var entriesSkipped: Int64
    public var entriesDeleted: Int64
    public var entriesFailed: Int64
    /// Every counter of the pass by its name (`bytes.done`, `entries.seen`, ...).
    public var counters: [String: Int64]

    public init(_ pass: JobPass) {
        self.pass = pass.pass
        state = pass.state.rawValue
        startedAt = RFC3339.string(pass.startedAt)
        finishedAt = RFC3339.string(pass.finishedAt)
        elapsedSeconds = ((pass.finishedAt - pass.startedAt) * 1000).rounded() / 1000
        let count = { (name: String) in pass.counters[name] ?? 0 }
        entriesCreated = count(Counter.entriesCreated)
        entriesUpdated = count(Counter.entriesUpdated)
        entriesUnchanged = count(Counter.entriesUnchanged)
        entriesSkipped = count(Counter.entriesSkipped)
        entriesDeleted = count(Counter.entriesDeleted)
        entriesFailed = count(Counter.entriesFailed)
        counters = pass.counters
    }
}

extension IngestRuntime {
    /// A job's ended passes, oldest first. A one-shot job that has ended has one: the job itself.
    public func history(job: String, broker: any Broker) async throws -> [PassSummary] {
        guard let status = try await broker.job(named: job) else { throw IngestError.jobNotFound(job) }
        var passes = try await broker.history(job: job)
        if passes.isEmpty, status.schedule == nil, status.state.isTerminal, let finishedAt = status.finishedAt {
            passes = [JobPass(
                pass: 1, state: status.state, startedAt: status.startedAt ?? status.createdAt, finishedAt: finishedAt, counters: status.counters)]
        }
        return passes.map(PassSummary.init)
    }
}
