import Dispatch
import IngestCore

/// Runs file-system work that can block on a user's file (a hung network mount, a device) on a
/// Dispatch thread instead of the cooperative pool: with one cooperative thread per core, two stuck
/// calls would stop every task, timer and signal handler of the process. The worker's timeout
/// still ends the task; the work itself stops at its next cancellation check.
enum BlockingIO {
    static func run<T: Sendable>(cancellation: TaskCancellation, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result { try body() })
                }
            }
        } onCancel: {
            cancellation.noteTaskCancelled()
        }
    }
}
