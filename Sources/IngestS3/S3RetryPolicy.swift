/// When to try a request again and how long to wait first: exponential backoff with full jitter,
/// so that many clients refused at once by a busy server do not come back at once.
public struct S3RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included; 1 disables retries.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(10)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries at all.
    public static let never = S3RetryPolicy(maxAttempts: 1)

    /// The wait before the attempt after `attempt` (1-based): uniform in [0, min(max, base * 2^(attempt-1))].
    /// - Parameter random: A number in [0, 1); injected so that tests can pin it.
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        return ceiling * min(max(random, 0), 1)
    }

    /// Whether an attempt that failed with `error` should be followed by another.
    public func shouldRetry(_ error: any Error, afterAttempt attempt: Int) -> Bool {
        guard attempt < maxAttempts else { return false }
        return (error as? S3Error)?.isRetryable ?? false
    }
}
