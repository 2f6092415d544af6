import Logging
import NIOCore
import NIOPosix

/// A Redis client that keeps one ``RedisConnection`` open, replacing it when it closes.
///
/// The first connection is attempted once, so a wrong URL or password is reported at once.
/// After that, a closed connection (server restart, `CLIENT KILL`, timeout, network
/// failure) is replaced on the next command, retrying with exponential backoff and jitter
/// for up to ``ReconnectPolicy/giveUpAfter``.
///
/// A command that was in flight when the connection closed fails with
/// ``RedisError/connectionLost(reason:)`` and is not retried, because it may have run. A
/// command that found the connection already closed never reached the server, so it is
/// sent once more on the new connection.
public actor RedisClient {
    /// How long to wait between reconnection attempts.
    public struct ReconnectPolicy: Sendable {
        /// The delay before the second attempt; each later attempt doubles it.
        public var initialDelay: Duration
        /// The longest delay between attempts.
        public var maxDelay: Duration
        /// How long to keep trying before the command fails with the last connect error.
        public var giveUpAfter: Duration

        /// - Parameters:
        ///   - initialDelay: Default 50 ms.
        ///   - maxDelay: Default 2 s.
        ///   - giveUpAfter: Default 60 s, longer than a typical redis-server restart.
        public init(
            initialDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(2),
            giveUpAfter: Duration = .seconds(60)
        ) {
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
            self.giveUpAfter = giveUpAfter
        }

        /// The delay after failed attempt number `attempt` (0-based): the capped exponential
        /// delay, scaled by a random factor from 0.5 to 1 so that many workers restarted by
        /// the same outage do not reconnect in lockstep.
        /// - Parameters:
        ///   - attempt: How many attempts have failed before this one, minus one.
        ///   - generator: The source of jitter.
        /// - Returns: How long to sleep before the next attempt.
        public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
            var delay = initialDelay
            for _ in 0..<min(attempt, 62) where delay < maxDelay {
                delay *= 2
            }
            delay = min(delay, maxDelay)
            return delay * Double.random(in: 0.5...1, using: &generator)
        }
    }

    /// The server this client talks to.
    public nonisolated let url: RedisURL
    private let configuration: RedisConnection.Configuration
    private let reconnectPolicy: ReconnectPolicy
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private var connection: RedisConnection?
    /// The connection attempt in progress, shared by every command that arrives meanwhile
    /// so that they wait for one connection instead of each opening their own. It ends
    /// once connected or after ``ReconnectPolicy/giveUpAfter``.
    private var connecting: Task<RedisConnection, any Error>?
    private var hasConnected = false
    private var isShutDown = false

    /// Creates a client; nothing is connected until the first command.
    /// - Parameters:
    ///   - url: The server and credentials.
    ///   - configuration: Timeouts and protocol choice for each connection.
    ///   - reconnectPolicy: Backoff between reconnection attempts.
    ///   - eventLoopGroup: Where connections run; the process-wide singleton by default.
    ///   - logger: Receives connection and reconnection events; silent by default.
    public init(
        url: RedisURL, configuration: RedisConnection.Configuration = .init(),
        reconnectPolicy: ReconnectPolicy = .init(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "ingest.redis", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.url = url
        self.configuration = configuration
        self.reconnectPolicy = reconnectPolicy
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Sends one command, reconnecting first if the connection is closed.
    /// - Parameters:
    ///   - command: The command name and its arguments.
    ///   - timeout: Overrides the configured command timeout.
    /// - Returns: The reply; never an error reply.
    /// - Throws: ``RedisError/server(_:)`` for an error reply, or the error that kept the
    ///   command from completing.
    @discardableResult
    public func send(_ command: [any RESPArgument], timeout: Duration? = nil) async throws -> RESPValue {
        try await withRetryIfNotSent { try await $0.send(command, timeout: timeout) }
    }

    /// Sends commands in one write, reconnecting first if the connection is closed.
    /// Error replies are returned in place, as ``RedisConnection/pipeline(_:timeout:)`` does.
    /// - Parameters:
    ///   - commands: The commands, each a name followed by its arguments.
    ///   - timeout: How long the whole pipeline may take.
    /// - Returns: One reply per command, in order.
    public func pipeline(_ commands: [[any RESPArgument]], timeout: Duration? = nil) async throws -> [RESPValue] {
        try await withRetryIfNotSent { try await $0.pipeline(commands, timeout: timeout) }
    }

    /// Runs a script with `EVALSHA`; when the server does not have it (`NOSCRIPT`: first
    /// use, server restart, `SCRIPT FLUSH`), sends it once with `EVAL`, which runs it and
    /// caches it for the next `EVALSHA`.
    ///
    /// `EVAL` rather than `SCRIPT LOAD` then `EVALSHA`: the two-step form fails again if the
    /// cache is emptied between the steps (a restart, another client's flush), while `EVAL`
    /// loads and runs in one atomic command.
    /// - Parameters:
    ///   - script: The script.
    ///   - keys: The keys it touches (`KEYS[i]` in Lua).
    ///   - arguments: Its other arguments (`ARGV[i]`).
    /// - Returns: The script's reply.
    /// - Throws: ``RedisError/server(_:)`` when the script raises an error.
    @discardableResult
    public func evalScript(
        _ script: RedisScript, keys: [any RESPArgument] = [], arguments: [any RESPArgument] = []
    ) async throws -> RESPValue {
        let parameters: [any RESPArgument] = [keys.count] + keys + arguments
        do {
            return try await send(["EVALSHA", script.sha1] + parameters)
        } catch let error as RedisError where error.serverErrorCode == "NOSCRIPT" {
            logger.debug("sending Redis script source", metadata: ["redis.script": "\(script.sha1)"])
            return try await send(["EVAL", script.source] + parameters)
        }
    }

    /// The open connection, connecting or reconnecting first if needed. Use it for work
    /// that must stay on one connection; it is not replaced while in use, but may close.
    /// - Returns: An open connection.
    public func connection() async throws -> RedisConnection {
        if let connection, !connection.isClosed { return connection }
        guard !isShutDown else { throw RedisError.notConnected(reason: "the client was closed") }
        if let previous = connection {
            logger.info(
                "Redis connection closed; reconnecting",
                metadata: ["redis.reason": "\(previous.closedReason ?? "unknown")"])
            connection = nil
        }
        let task: Task<RedisConnection, any Error>
        if let connecting {
            task = connecting
        } else {
            let (url, configuration, group, logger) = (url, configuration, eventLoopGroup, logger)
            let policy = hasConnected ? reconnectPolicy : nil
            task = Task {
                try await Self.connect(url, configuration, group, logger, policy: policy)
            }
            connecting = task
        }
        do {
            let opened = try await task.value
            if connecting == task {
                connecting = nil
                connection = opened
                hasConnected = true
            }
            if isShutDown { await opened.close() }
            return opened
        } catch {
            if connecting == task { connecting = nil }
            throw error
        }
    }

    /// Closes the connection; later commands fail with ``RedisError/notConnected(reason:)``.
    public func close() async {
        isShutDown = true
        await connection?.close()
        connection = nil
    }

    private func withRetryIfNotSent<T: Sendable>(
        _ body: (RedisConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await body(connection())
        } catch RedisError.notConnected {
            return try await body(connection())
        }
    }

    /// Connects once, or with `policy` keeps trying until it gives up. Errors that another
    /// attempt cannot fix (credentials, TLS, a bad database number) end the attempts early.
    private static func connect(
        _ url: RedisURL, _ configuration: RedisConnection.Configuration, _ group: any EventLoopGroup,
        _ logger: Logger, policy: ReconnectPolicy?
    ) async throws -> RedisConnection {
        let clock = ContinuousClock()
        let deadline = clock.now + (policy?.giveUpAfter ?? .zero)
        var generator = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            do {
                return try await RedisConnection.connect(
                    to: url, configuration: configuration, eventLoopGroup: group, logger: logger)
            } catch let error as RedisError {
                switch error {
                case .connectFailed, .connectionLost, .notConnected, .timeout:
                    guard let policy, clock.now < deadline else { throw error }
                    let delay = policy.delay(afterAttempt: attempt, using: &generator)
                    logger.debug(
                        "Redis reconnection failed; retrying",
                        metadata: ["redis.error": "\(error)", "redis.retryIn": "\(delay)"])
                    attempt += 1
                    try await Task.sleep(for: delay)
                default:
                    throw error
                }
            }
        }
    }
}
