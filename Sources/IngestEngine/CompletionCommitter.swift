import IngestCore

/// Group commit for task completions: while one batch is being written, completions that
/// arrive wait and go together in the next call to `Broker.finish`.
struct CompletionCommitter: Sendable {
    private let groups: GroupCommitter<TaskCompletion, Bool>

    init(broker: any Broker) {
        groups = GroupCommitter { completions in
            do {
                let applied = try await broker.finish(completions)
                return completions.map { .success(applied.contains($0.lease)) }
            } catch {
                return completions.map { _ in .failure(error) }
            }
        }
    }

    /// Records one completion.
    /// - Returns: false when the broker ignored it because the lease had moved on.
    func commit(_ completion: TaskCompletion) async throws -> Bool {
        try await groups.submit(completion)
    }
}
