import Synchronization

/// A result that the first of several racing parties sets; later ones are ignored. Whoever
/// awaits `value` gets it, whether it was set before or after they started waiting.
public final class FirstOutcome<Value: Sendable>: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<Value, any Error>)
        case resolved(Result<Value, any Error>)
        case delivered
    }

    private let state = Mutex<State>(.pending)

    public init() {}

    /// Sets the result unless one is set already.
    /// - Returns: Whether this call set it, so that a party acts on its win (closes a connection,
    ///   say) only when the others had not finished first.
    @discardableResult
    public func resolve(_ result: Result<Value, any Error>) -> Bool {
        let (won, waiter): (Bool, CheckedContinuation<Value, any Error>?) = state.withLock { state in
            switch state {
            case .pending:
                state = .resolved(result)
                return (true, nil)
            case .waiting(let continuation):
                state = .delivered
                return (true, continuation)
            case .resolved, .delivered:
                return (false, nil)
            }
        }
        waiter?.resume(with: result)
        return won
    }

    /// True once a result is set.
    public var isResolved: Bool {
        state.withLock { state in
            switch state {
            case .pending, .waiting: false
            case .resolved, .delivered: true
            }
        }
    }

    /// Waits for the first result. Only one caller may wait.
    public var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<Value, any Error>? = state.withLock { state in
                    switch state {
                    case .pending:
                        state = .waiting(continuation)
                        return nil
                    case .resolved(let result):
                        state = .delivered
                        return result
                    case .waiting, .delivered:
                        preconditionFailure("FirstOutcome.value awaited twice")
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }
}
