import IngestS3
import Testing

@Suite struct S3RetryPolicyTests {
    let policy = S3RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1))

    @Test func theCeilingDoublesEachAttempt() {
        #expect(policy.delay(afterAttempt: 1, random: 0.999_999) <= .milliseconds(100))
        #expect(policy.delay(afterAttempt: 3, random: 0.5) == .milliseconds(200))
    }

    @Test func theDelayIsCappedAtTheMaximum() {
        #expect(policy.delay(afterAttempt: 30, random: 1) == .seconds(1))
    }

    @Test func fullJitterCanWaitNothing() {
        #expect(policy.delay(afterAttempt: 4, random: 0) == .zero)
    }

    @Test func retryableErrorsAreRetriedUntilTheLastAttempt() {
        let error = S3Error.unreachable(endpoint: "e", reason: "refused")
        #expect(policy.shouldRetry(error, afterAttempt: 4))
        #expect(!policy.shouldRetry(error, afterAttempt: 5))
    }

    @Test func clientErrorsAndOtherErrorsAreNotRetried() {
        #expect(!policy.shouldRetry(S3Error.noSuchBucket(bucket: "b", endpoint: "e"), afterAttempt: 1))
        #expect(!policy.shouldRetry(CancellationError(), afterAttempt: 1))
    }
}
