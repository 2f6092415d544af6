import Foundation

/// Launching and awaiting child processes from tests that run in parallel.
public enum ChildProcesses {
    /// Foundation's `Process.run()` on Linux is not safe to call from several threads at once (a
    /// parallel test run crashed inside it), so every launch of the test suite goes through this lock.
    private static let launchLock = NSLock()

    /// Launches `process`, one launch at a time across the whole test run.
    public static func launch(_ process: Process) throws {
        launchLock.lock()
        defer { launchLock.unlock() }
        try process.run()
    }
}

extension Process {
    /// Launches the process (serialised, see `ChildProcesses`) and waits for its end without
    /// holding a thread of the cooperative pool: with two cores, two blocked waits stall every test.
    public func runToExit() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            terminationHandler = { _ in continuation.resume() }
            do {
                try ChildProcesses.launch(self)
            } catch {
                terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }

    /// Waits for an already launched process to end without holding a thread of the cooperative pool.
    public func exited() async {
        while isRunning {
            try? await Task.sleep(for: .milliseconds(10))
        }
        waitUntilExit()
    }
}
