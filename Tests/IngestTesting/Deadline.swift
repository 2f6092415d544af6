import IngestCore

/// An operation that did not finish within the time a test gave it.
public struct DidNotFinish: Error, CustomStringConvertible {
    public let limit: Duration
    public init(limit: Duration) { self.limit = limit }
    public var description: String { "did not finish within \(limit)" }
}

/// Runs `operation` and returns its result, or throws `DidNotFinish` once `limit` passes.
///
/// For tests of operations that must not hang: a hang then fails the test instead of stopping the
/// whole run. The operation runs in a task of its own, which is cancelled and left behind when it
/// overruns, because an operation stuck on a continuation nobody resumes cannot be waited for.
public func finishing<Result: Sendable>(
    within limit: Duration, _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let outcome = FirstOutcome<Result>()
    let work = Task {
        do {
            outcome.resolve(.success(try await operation()))
        } catch {
            outcome.resolve(.failure(error))
        }
    }
    let deadline = Task {
        guard (try? await Task.sleep(for: limit)) != nil else { return }
        outcome.resolve(.failure(DidNotFinish(limit: limit)))
    }
    defer {
        work.cancel()
        deadline.cancel()
    }
    return try await outcome.value
}
