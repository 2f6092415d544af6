import IngestRedis
import Testing

@Suite("Reconnection backoff")
struct ReconnectPolicyTests {
    let policy = RedisClient.ReconnectPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1))

    @Test func delayDoublesPerAttemptWithinJitterBounds() {
        var generator = SeededGenerator(seed: 7)
        for (attempt, base) in [(0, 100), (1, 200), (2, 400), (3, 800)] {
            let delay = policy.delay(afterAttempt: attempt, using: &generator)
            #expect(delay >= .milliseconds(base / 2) && delay <= .milliseconds(base), "attempt \(attempt): \(delay)")
        }
    }

    @Test func delayIsCappedAtMaxDelay() {
        var generator = SeededGenerator(seed: 1)
        for attempt in [4, 10, 100, Int.max] {
            let delay = policy.delay(afterAttempt: attempt, using: &generator)
            #expect(delay >= .milliseconds(500) && delay <= .seconds(1), "attempt \(attempt): \(delay)")
        }
    }

    @Test func jitterSpreadsDelays() {
        var generator = SeededGenerator(seed: 42)
        let delays = Set((0..<20).map { _ in policy.delay(afterAttempt: 3, using: &generator) })
        #expect(delays.count > 10)
    }
}
