/// An attempt ran longer than its task's timeout.
public struct TaskTimedOut: Error, CustomStringConvertible {
    public var seconds: Double
    public var description: String { "timed out after \(seconds) seconds" }
}

/// Runs `operation`, cancelling it and throwing `TaskTimedOut` if it takes longer than `seconds`.
func withTimeout<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        guard let value = first else { throw TaskTimedOut(seconds: seconds) }
        return value
    }
}
