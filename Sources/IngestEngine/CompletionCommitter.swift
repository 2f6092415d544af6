import IngestCore

/// Group commit for task completions: while one batch is being written, completions that
/// arrive wait and go together in the next call to `Broker.finish`.
actor CompletionCommitter {
    private let broker: any Broker
    private var waiting: [(TaskCompletion, CheckedContinuation<Bool, any Error>)] = []
    private var isFlushing = false

    init(broker: any Broker) {
        self.broker = broker
    }

    /// Records one completion.
    /// - Returns: false when the broker ignored it because the lease had moved on.
    func commit(_ completion: TaskCompletion) async throws -> Bool {
        if isFlushing {
            return try await withCheckedThrowingContinuation { waiting.append((completion, $0)) }
        }
        isFlushing = true
        defer { isFlushing = false }
        let applied: Set<TaskLease>
        do {
            applied = try await broker.finish([completion])
        } catch {
            await flushWaiting()
            throw error
        }
        await flushWaiting()
        return applied.contains(completion.lease)
    }

    /// Writes whatever accumulated while the previous batch was being written, until none is left.
    private func flushWaiting() async {
        while !waiting.isEmpty {
            let batch = waiting
            waiting = []
            do {
                let applied = try await broker.finish(batch.map(\.0))
                for (completion, continuation) in batch {
                    continuation.resume(returning: applied.contains(completion.lease))
                }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
    }
}
