import IngestRedis
import Testing

@Suite("Timeouts and cancellation close the connection")
struct RedisConnectionTimeoutTests {
    @Test func timeoutFailsTheCommandAndEveryCommandQueuedBehindIt() async throws {
        // A second of margin so that a loaded machine still queues the PING before the timeout fires.
        let connection = try await RedisTestServer.connect(configuration: .init(commandTimeout: .seconds(1)))
        let key = RedisTestServer.key("empty")
        async let blocked = Result { try await connection.send(["BLPOP", key, 0]) }
        try await Task.sleep(for: .milliseconds(50))
        async let queued = Result { try await connection.send(["PING"], timeout: .seconds(30)) }

        guard case .failure(RedisError.timeout(let command, _)) = await blocked else {
            Issue.record("BLPOP did not time out: \(await blocked)")
            return
        }
        #expect(command == "BLPOP")
        // Queued behind the BLPOP it fails as lost; if the machine stalled it past the timeout, it
        // is refused unsent. Either way it fails, naming the command that timed out.
        switch await queued {
        case .failure(RedisError.connectionLost(let reason)), .failure(RedisError.notConnected(let reason)):
            #expect(reason.contains("BLPOP got no reply"))
        default:
            Issue.record("the queued PING did not fail: \(await queued)")
        }
        #expect(connection.isClosed)
        await #expect(throws: RedisError.self) { try await connection.send(["PING"]) }
    }

    @Test func cancellingAWaitingTaskClosesTheConnection() async throws {
        let connection = try await RedisTestServer.connect()
        let key = RedisTestServer.key("empty")
        let clientID = try #require(try await connection.send(["CLIENT", "ID"]).int)
        let waiting = Task { try await connection.send(["BLPOP", key, 0]) }
        // Cancelled only once the server is blocked on it: a BLPOP cancelled before it is sent is
        // refused unsent and leaves the connection open (the test below), which a loaded machine
        // reaches with any fixed pause.
        let observer = try await RedisTestServer.connect()
        let blockedBy = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < blockedBy,
            try await observer.send(["CLIENT", "LIST", "ID", clientID]).string?.contains("cmd=blpop") != true
        {
            try await Task.sleep(for: .milliseconds(10))
        }
        await observer.close()
        waiting.cancel()
        guard case .failure(RedisError.cancelled(let command)) = await waiting.result else {
            Issue.record("BLPOP was not cancelled: \(await waiting.result)")
            return
        }
        #expect(command == "BLPOP")
        // The close happens on the event loop after the cancellation returns; a loaded machine delays it.
        let deadline = ContinuousClock.now + .seconds(10)
        while !connection.isClosed && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(connection.isClosed)
        #expect(connection.closedReason?.contains("cancelled") == true)
    }

    @Test func alreadyCancelledTaskDoesNotSendAndLeavesTheConnectionOpen() async throws {
        let connection = try await RedisTestServer.connect()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await connection.send(["PING"])
        }
        await #expect(throws: RedisError.self) { try await task.value }
        #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
        await connection.close()
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
