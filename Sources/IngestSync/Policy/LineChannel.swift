import Foundation
import Synchronization

/// Lines read by a reader thread, awaited one at a time by the host: a blocking read never holds a
/// thread of the cooperative pool.
final class LineChannel: Sendable {
    private struct State {
        var lines: [Data] = []
        var head = 0
        var finished = false
        var waiter: CheckedContinuation<Data?, Never>?
    }

    private let state = Mutex(State())

    /// Adds a line; wakes the waiting reader, if any.
    func push(_ line: Data) {
        let waiter = state.withLock { state -> CheckedContinuation<Data?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.lines.append(line)
            return nil
        }
        waiter?.resume(returning: line)
    }

    /// No more lines will come (the process's output ended).
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Data?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    var isFinished: Bool { state.withLock { $0.finished && $0.head == $0.lines.count } }

    /// The next line, or nil once the output has ended and every line was taken. One caller at a time.
    func next() async -> Data? {
        if let ready = take() {
            return ready
        }
        return await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Data?? in
                if let line = Self.pop(&state) {
                    return .some(line)
                }
                if state.finished {
                    return .some(nil)
                }
                state.waiter = continuation
                return .none
            }
            if let ready {
                continuation.resume(returning: ready)
            }
        }
    }

    private func take() -> Data?? {
        state.withLock { state -> Data?? in
            if let line = Self.pop(&state) {
                return .some(line)
            }
            return state.finished ? .some(nil) : .none
        }
    }

    private static func pop(_ state: inout State) -> Data? {
        guard state.head < state.lines.count else { return nil }
        let line = state.lines[state.head]
        state.head += 1
        if state.head == state.lines.count {
            state.lines.removeAll(keepingCapacity: true)
            state.head = 0
        }
        return line
    }
}
