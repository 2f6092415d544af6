/// Racing work against a time limit, written once.
public enum Deadline {
    /// The result of `operation`, or of `onTimeout` when `limit` passes first.
    ///
    /// The operation runs in a task of its own and is cancelled when it loses, but never awaited
    /// after that: work that does not answer cancellation (a connection pool, a server that never
    /// finishes a handshake) cannot hold the caller past the limit. Cancelling the caller ends
    /// the wait at once with `CancellationError`.
    public static func race<Value: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Value,
        limit: Duration,
        onTimeout: @escaping @Sendable () -> Result<Value, any Error>
    ) async throws -> Value {
        let outcome = FirstOutcome<Value>()
        let work = Task {
            do {
                outcome.resolve(.success(try await operation()))
            } catch {
                outcome.resolve(.failure(error))
            }
        }
        let timer = Task {
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            outcome.resolve(onTimeout())
        }
        defer {
            work.cancel()
            timer.cancel()
        }
        return try await withTaskCancellationHandler {
            try await outcome.value
        } onCancel: {
            outcome.resolve(.failure(CancellationError()))
        }
    }
}
