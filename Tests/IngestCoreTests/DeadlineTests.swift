import IngestCore
import Synchronization
import Testing

/// Racing work against a time limit: the first result wins, and work that ignores cancellation
/// cannot hold the caller.
@Suite struct DeadlineTests {
    struct Boom: Error {}

    @Test func workThatEndsFirstGivesItsResult() async throws {
        let value = try await Deadline.race({ 42 }, limit: .seconds(60)) { .success(0) }
        #expect(value == 42)
        await #expect(throws: Boom.self) {
            try await Deadline.race({ () async throws -> Int in throw Boom() }, limit: .seconds(60)) { .success(0) }
        }
    }

    @Test func workThatIgnoresCancellationLosesToTheLimit() async throws {
        let released = Mutex(false)
        // Sleeps in a loop that ignores cancellation, as a pool that never answers would.
        let value = try await Deadline.race({ () async -> Int in
            while !released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
            return 1
        }, limit: .milliseconds(50)) { .success(-1) }
        #expect(value == -1)
        released.withLock { $0 = true }
        await #expect(throws: Boom.self) {
            try await Deadline.race({ () async -> Int in
                try? await Task.sleep(for: .seconds(60))
                return 1
            }, limit: .milliseconds(10)) { .failure(Boom()) }
        }
    }

    @Test func cancellingTheCallerEndsTheWait() async throws {
        let released = Mutex(false)
        defer { released.withLock { $0 = true } }
        let waiting = Task {
            try await Deadline.race({ () async -> Int in
                while !released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
                return 1
            }, limit: .seconds(3600)) { .success(0) }
        }
        try await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }
}
